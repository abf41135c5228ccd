/**
 * Replaces anything that looks like a secret or personal contact in free text: the last line of
 * defence for log lines, error messages and dead-letter descriptions. Pure and synchronous, so the
 * logger, the dead-letter describer and tapctl all share one definition of "looks like a secret".
 *
 * Shapes, in the order they are applied:
 * 1. exact values the caller registered (the TAP a worker just received), at least 6 characters;
 * 2. credentials in `name=value` / `"name":"value"` form (AccountKey=, SharedAccessKey=, sig=,
 *    password=, client_secret=, access_token=, temporaryAccessPass:, ?code= ...) and URL userinfo;
 * 3. `Bearer` / `Basic` credentials of 16+ token characters, and JWTs (`eyJ...`);
 * 4. email addresses (also `%40`-encoded), with a dotted domain and an alphabetic top-level label;
 * 5. phone numbers written with a leading `+` (E.164, or Graph's `+1 5555551234x123` with spaces,
 *    dots, dashes, parentheses), 7 to 15 digits;
 * 6. TAP-like tokens: a run of 8-48 non-space characters with at least one upper-case letter,
 *    lower-case letter, digit and symbol.
 *
 * Trade-offs (false negatives and false positives are both deliberate):
 * - A TAP is random text; about a third of 8-character TAPs lack a digit or a symbol, so shape 6
 *   cannot catch every TAP. Exact registration (1) and key-based redaction in the logger are the
 *   primary defences; shape 6 is defence in depth.
 * - Shape 6 spares structured tokens a random TAP is very unlikely to be: GUIDs, URLs with a
 *   scheme (their query parameters are still checked one by one), and `name=value` / `name:value`
 *   pairs whose name is letters only and whose value lacks one of upper case, lower case or digit
 *   (`deliveryCount=3`, `alg=A256GCM`). GUIDs, ISO timestamps, lower-case ids, message ids and
 *   traceparents never match shape 6 in the first place (no lower case or no upper case).
 * - Base64 / base64url text of 8-48 characters (IVs, tags, short ciphertexts) is redacted: it cannot
 *   be told from a secret, and sealed values have no business in logs anyway.
 * - Short mixed paths such as `/tmp/Abc1/x.ts` in stack traces can be redacted; losing a path
 *   fragment is cheaper than leaking a TAP.
 * - Phone numbers without a `+` are not detected: bare 7-15 digit runs are counts, epoch
 *   milliseconds and sequence numbers far more often than phones, and Graph stores `+` numbers.
 * - Email addresses on a dotless domain (`bob@localhost`) are not detected.
 * - Input longer than 64 KiB is cut before scanning (the trailing partial token is dropped too, so
 *   the cut cannot leave a fragment of a secret that no longer matches its shape).
 *
 * Every quantifier is bounded, so the scan stays linear on hostile input.
 *
 * Most log strings (GUIDs, event names, stages) can match no shape at all, and the logger scrubs
 * every string field of every line, so one character scan (`mayHoldShape`) sends those back
 * unchanged before any regex runs.
 */

export type SecretKind = 'secret' | 'credential' | 'token' | 'email' | 'phone' | 'tap';

export const REDACTED_PREFIX = '[REDACTED';

export function redactionMarker(kind: SecretKind): string {
  return `${REDACTED_PREFIX}:${kind}]`;
}

export interface ScrubOptions {
  /** Exact values to remove wherever they appear (shorter than 6 characters are ignored). */
  readonly exact?: Iterable<string>;
}

export const MAX_SCAN_LENGTH = 64 * 1024;
export const MIN_EXACT_SECRET_LENGTH = 6;

const CREDENTIAL_NAMES = [
  'AccountKey',
  'SharedAccessKey',
  'SharedAccessSignature',
  'AccessKey',
  'sig',
  'Signature',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'clientSecret',
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'token',
  'temporaryAccessPass',
  'tap',
].join('|');

// name, then `=` or `:` optionally wrapped in (escaped) quotes, then the value up to a delimiter.
const CREDENTIAL_PAIR = new RegExp(
  `(?<![A-Za-z0-9_-])(${CREDENTIAL_NAMES})(\\\\?["']?[ \\t]{0,3}[=:][ \\t]{0,3}\\\\?["']?)([^\\s"'\\\\;&,}<>]{1,4096})`,
  'gi',
);
// Function keys travel as `?code=`; only the `=` form, since "code: 429" is everyday prose.
const CODE_QUERY_PARAM = /(?<![A-Za-z0-9_-])(code=)([^\s"'&;#]{1,4096})/gi;
const URL_USERINFO = /(:\/\/[^/\s:@]{1,256}:)([^/\s@]{1,256})(@)/g;
const AUTH_SCHEME = /(?<![A-Za-z0-9])(Bearer|Basic)(\s{1,5})([A-Za-z0-9\-._~+/]{16,8192}=*)/gi;
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,8192}(?:\.[A-Za-z0-9_-]{0,8192}){0,2}/g;
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}(?:@|%40)[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,63}/gi;
const PHONE = /(?<![A-Za-z0-9+])(?:\+|%2B)(?:\d[ ().-]{0,2}){6,17}\d(?:[ \t]{0,2}(?:x|ext\.?)[ \t]{0,2}\d{1,10})?/gi;
const RUN = /\S{8,}/g;
const PIECE_DELIMITERS = /([\s"'`,;{}[\]<>|&?()]+)/;

export function scrubSecrets(text: string, options: ScrubOptions = {}): string {
  let out = text.length > MAX_SCAN_LENGTH ? cutForScan(text) : text;
  if (options.exact !== undefined) {
    for (const secret of options.exact) {
      if (secret.length >= MIN_EXACT_SECRET_LENGTH && out.includes(secret)) {
        out = out.split(secret).join(redactionMarker('secret'));
      }
    }
  }
  return mayHoldShape(out) ? scrubShapes(out) : out;
}

/**
 * Shapes 2-6 on `text`, always: `scrubSecrets` without the fast path. Exported only for the test
 * that holds `mayHoldShape` to it; callers use `scrubSecrets`.
 */
export function scrubShapes(text: string): string {
  const out = text
    .replace(CREDENTIAL_PAIR, (_m, name: string, sep: string) => `${name}${sep}${redactionMarker('credential')}`)
    .replace(CODE_QUERY_PARAM, (_m, name: string) => `${name}${redactionMarker('credential')}`)
    .replace(URL_USERINFO, (_m, head: string, _pw: string, at: string) => `${head}${redactionMarker('credential')}${at}`)
    .replace(AUTH_SCHEME, (_m, scheme: string, space: string) => `${scheme}${space}${redactionMarker('token')}`)
    .replace(JWT, redactionMarker('token'))
    .replace(EMAIL, redactionMarker('email'))
    .replace(PHONE, (match) => {
      const digits = match.replace(/(?:x|ext\.?)[ \t]{0,2}\d{1,10}$/i, '').replace(/%2B/i, '').replace(/\D/g, '').length;
      return digits >= 7 && digits <= 15 ? redactionMarker('phone') : match;
    });
  return out.replace(RUN, scrubRun);
}

const UPPER = 1;
const LOWER = 2;
const DIGIT = 4;
const SYMBOL = 8;
const ALL_CLASSES = UPPER | LOWER | DIGIT | SYMBOL;

/**
 * False only when no shape can match `text`, so `scrubShapes` would return it unchanged. Each test
 * is a necessary condition read off a regex above; anything in doubt answers true:
 * - credential pairs, `code=` and URL userinfo need `=` or `:`; emails `@` or `%40`; phones `+` or
 *   `%2B` (any `%` counts);
 * - AUTH_SCHEME needs the word Bearer or Basic (any casing), JWT the exact letters `eyJ`;
 * - shape 6 needs a maximal run of 8+ non-space characters holding all four classes (the pieces
 *   it splits a long run into are parts of the run, so they cannot hold more classes).
 * Only ASCII white space ends a run here: a non-ASCII character (including Unicode spaces, which
 * `\s` knows) joins the run as a symbol, which can only make a run longer and richer than the real
 * one, never hide one.
 */
function mayHoldShape(text: string): boolean {
  let runLength = 0;
  let runClasses = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // \t \n \v \f \r and space
    if (c === 32 || (c >= 9 && c <= 13)) {
      runLength = 0;
      runClasses = 0;
      continue;
    }
    runLength++;
    if (c >= 65 && c <= 90) {
      runClasses |= UPPER;
      if (c === 74 /* J */ && text.charCodeAt(i - 1) === 121 /* y */ && text.charCodeAt(i - 2) === 101 /* e */) return true;
    } else if (c >= 97 && c <= 122) {
      runClasses |= LOWER;
    } else if (c >= 48 && c <= 57) {
      runClasses |= DIGIT;
    } else {
      // = : @ + %
      if (c === 61 || c === 58 || c === 64 || c === 43 || c === 37) return true;
      runClasses |= SYMBOL;
    }
    const lower = c | 0x20; // ASCII letters only: 'R' and 'r' both give 'r'
    if (lower === 114 /* r */ && endsWithWord(text, i, 'bearer')) return true;
    if (lower === 99 /* c */ && endsWithWord(text, i, 'basic')) return true;
    if (runLength >= TAP_MIN && runClasses === ALL_CLASSES) return true;
  }
  return false;
}

/** `text` has `word` (lower case ASCII letters) ending at `end`, in any casing. */
function endsWithWord(text: string, end: number, word: string): boolean {
  const start = end - word.length + 1;
  if (start < 0) return false;
  for (let k = 0; k < word.length; k++) {
    if ((text.charCodeAt(start + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * `scrubSecrets`, then cut to at most `max` characters (ending in `…` when cut): the one way free
 * text is made safe and short before it is stored, put on a message or shown to an operator.
 */
export function scrubAndCap(text: string, max: number, options: ScrubOptions = {}): string {
  const out = scrubSecrets(text, options);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function cutForScan(text: string): string {
  // Drop the trailing run of non-space characters too: it may be the head of a cut secret.
  const kept = text.slice(0, MAX_SCAN_LENGTH).replace(/\S{1,256}$/, '');
  return `${kept}…[truncated]`;
}

function scrubRun(run: string): string {
  if (run.length <= TAP_MAX && isTapLike(run) && !isStructured(run)) return redactionMarker('tap');
  // Long runs (JSON, URLs, key=value lists) and structured runs: check each piece on its own.
  if (!hasAllClasses(run)) return run;
  return run
    .split(PIECE_DELIMITERS)
    .map((piece, i) => (i % 2 === 0 && isTapLike(piece) && !isStructured(piece) ? redactionMarker('tap') : piece))
    .join('');
}

const TAP_MIN = 8;
const TAP_MAX = 48;

/** 8-48 characters, no white space, at least one upper, lower, digit and symbol. */
export function isTapLike(s: string): boolean {
  return s.length >= TAP_MIN && s.length <= TAP_MAX && !/\s/.test(s) && hasAllClasses(s);
}

function hasAllClasses(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s) && /[^A-Za-z0-9]/.test(s);
}

const GUID_CORE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const URL_WITH_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\//;
const NAME_VALUE = /^([A-Za-z_]{1,64})[=:](.*)$/s;

function isStructured(s: string): boolean {
  const core = s.replace(/^[("'`[{<]+/, '').replace(/[)"'`\]}>,;.:]+$/, '');
  if (GUID_CORE.test(core)) return true;
  if (URL_WITH_SCHEME.test(core)) return true;
  const pair = NAME_VALUE.exec(core);
  if (pair !== null) {
    const value = pair[2] ?? '';
    return !(/[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value));
  }
  return false;
}
