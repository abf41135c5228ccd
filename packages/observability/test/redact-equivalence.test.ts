import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Logger, clearRegisteredSecrets, createLogger, redactForLog, registerSecret } from '../src/index.js';
import { LIMITS, REDACTED, isSensitiveKey, redactRecord, scrubString } from '../src/redact.js';
import { registeredSecrets } from '../src/secret-registry.js';

/*
 * The redaction walk runs on every log line, so it remembers verdicts per key, cuts cycles with a
 * path instead of a WeakSet and copies without entry arrays. The walk below is the one it
 * replaced, kept as the oracle: the properties hold the fast walk to it on generated records, flat
 * and nested, with sensitive keys in any casing and separator, secret-shaped keys and values,
 * registered secrets that come and go, and the bounds (depth, width, cycles).
 */
function carefulRedact(value: unknown, exact: readonly string[], depth = 0, seen = new WeakSet<object>()): unknown {
  switch (typeof value) {
    case 'string':
      return scrubString(value, exact);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
    case 'symbol':
      return value.toString();
    case 'function':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= LIMITS.depth) return '[Truncated]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[Binary ${String((obj as ArrayBufferLike).byteLength)} bytes]`;
  seen.add(obj);
  try {
    if (obj instanceof Error) {
      const out: Record<string, unknown> = { type: obj.name || obj.constructor.name, message: scrubString(String(obj.message), exact) };
      if (typeof obj.stack === 'string') out['stack'] = scrubString(obj.stack, exact);
      const extra = carefulEntries(Object.entries(obj), exact, depth, seen);
      for (const [k, v] of Object.entries(extra)) if (!(k in out)) out[k] = v;
      if (obj.cause !== undefined) out['cause'] = carefulRedact(obj.cause, exact, depth + 1, seen);
      if (obj instanceof AggregateError) out['errors'] = carefulArray(obj.errors as unknown[], exact, depth, seen);
      return out;
    }
    if (Array.isArray(obj)) return carefulArray(obj, exact, depth, seen);
    if (obj instanceof Map) return carefulEntries([...obj.entries()].map(([k, v]) => [String(k), v]), exact, depth, seen);
    if (obj instanceof Set) return carefulArray([...obj], exact, depth, seen);
    return carefulEntries(Object.entries(obj), exact, depth, seen);
  } finally {
    seen.delete(obj);
  }
}

function carefulArray(items: readonly unknown[], exact: readonly string[], depth: number, seen: WeakSet<object>): unknown[] {
  const out = items.slice(0, LIMITS.items).map((item) => carefulRedact(item, exact, depth + 1, seen));
  if (items.length > LIMITS.items) out.push(`[+${String(items.length - LIMITS.items)} more]`);
  return out;
}

function carefulEntries(entries: ReadonlyArray<readonly [string, unknown]>, exact: readonly string[], depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, v] of entries) {
    if (count++ >= LIMITS.keys) {
      out['[truncated]'] = `${String(entries.length - LIMITS.keys)} more keys`;
      break;
    }
    Object.defineProperty(out, scrubString(key, exact), {
      value: isSensitiveKey(key) && v !== undefined && v !== null ? REDACTED : carefulRedact(v, exact, depth + 1, seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

// ---- generators ----------------------------------------------------------------------------

const SENSITIVE_WORDS = [
  ['temporary', 'access', 'pass'],
  ['tap'],
  ['secret'],
  ['password'],
  ['authorization'],
  ['access', 'token'],
  ['phone', 'number'],
  ['mobile', 'phones'],
  ['business', 'phones'],
  ['email'],
  ['to'],
  ['body'],
  ['connection', 'string'],
  ['shared', 'access', 'key'],
  ['api', 'key'],
  ['client', 'secret'],
  ['manager', 'email'],
  ['graph', 'access', 'token'],
  ['user', 'phone'],
  ['sealed', 'contacts'],
];

/** A sensitive name written any way a caller might: accessToken, ACCESS_TOKEN, access-token, Access_Token... */
const sensitiveKey = fc
  .tuple(fc.constantFrom(...SENSITIVE_WORDS), fc.constantFrom('', '_', '-'), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
  .map(([words, separator, upper]) =>
    [...words.join(separator)].map((c, i) => (upper[i] === true ? c.toUpperCase() : c)).join(''),
  );

const PLAIN_KEYS = ['requestId', 'invocationId', 'event', 'stage', 'durationMs', 'traceId', 'phoneLast2', 'tapId', 'note', 'reason', 'tokenCount', 'toast', 'sigma', 'a', '0', '1'];
// Keys the walk must keep ordinary, and keys that are themselves secrets (a map keyed by phone).
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '[truncated]', '+1 5555551234', 'bob@contoso.com', 'Xy7#kQ2!', 'key-lowercaseonlypass', ''];

const key = fc.oneof(
  { arbitrary: fc.constantFrom(...PLAIN_KEYS), weight: 4 },
  { arbitrary: sensitiveKey, weight: 3 },
  { arbitrary: fc.constantFrom(...ODD_KEYS), weight: 1 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
);

// Exact secrets with no shape: only registration finds them (some also hide inside keys above).
const SHAPELESS = ['lowercaseonlypass', 'anotherplainvalue', 'requestid'];

const SECRET_VALUES = [
  'Xy7#kQ2!',
  '+1 5555551234',
  'bob.report@contoso.com',
  'Bearer AbCdEf0123456789abcdef0123',
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  ...SHAPELESS,
];
const PLAIN_VALUES = ['0e60f18c-b2a0-4887-9da8-da2e30a39d99', 'request.accepted', 'assignmentRequestApproved', 'TL-0E60F18C', '2026-11-25T10:00:05.123Z', 'sms'];

const text = fc.oneof(
  fc.constantFrom(...SECRET_VALUES, ...PLAIN_VALUES),
  fc.array(fc.constantFrom(...SECRET_VALUES, ...PLAIN_VALUES), { maxLength: 4 }).map((parts) => parts.join(' ')),
  fc.string({ maxLength: 16 }),
);

const primitive = fc.oneof(
  { arbitrary: text, weight: 6 },
  { arbitrary: fc.oneof(fc.integer(), fc.double()), weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
);

/** A flat record, the common log line: strings, numbers, booleans under any keys. */
const flatRecord = fc.array(fc.tuple(key, primitive), { maxLength: 12 }).map(toRecord);

const leaf = fc.oneof(
  { arbitrary: primitive, weight: 8 },
  { arbitrary: fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), weight: 1 },
  { arbitrary: fc.constantFrom(new Date('2026-11-25T11:00:05.123Z'), new Date(Number.NaN)), weight: 1 },
  { arbitrary: fc.constantFrom(...SECRET_VALUES).map((s) => new TextEncoder().encode(s)), weight: 1 },
  { arbitrary: fc.constant(() => 1), weight: 1 },
);

const { nested } = fc.letrec<{ nested: unknown }>((tie) => ({
  nested: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 4 },
    { arbitrary: fc.array(fc.tuple(key, tie('nested')), { maxLength: 5 }).map(toRecord), weight: 2 },
    { arbitrary: fc.array(tie('nested'), { maxLength: 4 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(fc.oneof(key, fc.integer()), tie('nested')), { maxLength: 3 }).map((e) => new Map(e)), weight: 1 },
    { arbitrary: fc.array(tie('nested'), { maxLength: 3 }).map((items) => new Set(items)), weight: 1 },
    {
      arbitrary: fc.tuple(text, fc.array(fc.tuple(key, tie('nested')), { maxLength: 3 }), fc.option(tie('nested'))).map(([message, fields, cause]) =>
        Object.assign(new Error(message, cause === null ? undefined : { cause }), toRecord(fields)),
      ),
      weight: 1,
    },
  ),
}));

/** Structures that exercise the bounds (deep chains, wide objects, cycles, one object in two places) and inheritance. */
const bounded = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: LIMITS.depth + 3 }), key, text).map(([levels, k, v]) => {
    let deep: unknown = { [k]: v };
    for (let i = 0; i < levels; i++) deep = { next: deep };
    return deep;
  }),
  fc.tuple(fc.integer({ min: LIMITS.keys - 2, max: LIMITS.keys + 3 }), sensitiveKey).map(([width, k]) => ({
    ...Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${String(i)}`, i])),
    [k]: 'plainpass',
  })),
  fc.tuple(fc.integer({ min: LIMITS.items - 1, max: LIMITS.items + 2 }), text).map(([length, v]) => Array.from({ length }, () => v)),
  flatRecord.map((r) => {
    const self: Record<string, unknown> = { ...r };
    self['self'] = self;
    self['child'] = { parent: self, list: [self] };
    return self;
  }),
  flatRecord.map((shared) => ({ a: shared, b: shared, c: [shared, { d: shared }] })),
  // Inherited enumerable fields are not the object's own: they are not copied.
  fc.tuple(flatRecord, flatRecord).map(([inherited, own]) => Object.assign(Object.create(inherited) as object, own)),
);

const record = fc.oneof(
  { arbitrary: flatRecord, weight: 4 },
  { arbitrary: fc.array(fc.tuple(key, nested), { maxLength: 8 }).map(toRecord), weight: 3 },
  { arbitrary: fc.array(fc.tuple(key, bounded), { maxLength: 3 }).map(toRecord), weight: 1 },
);

function toRecord(entries: ReadonlyArray<readonly [PropertyKey, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // defineProperty: a generated `__proto__` key is an own field, as JSON.parse would make it.
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const registrations = fc.subarray([...SHAPELESS, 'Xy7#kQ2!', 'contoso.com', 'requestId']);

// ---- properties ----------------------------------------------------------------------------

/**
 * A copy as nested arrays: own keys in order with their enumerability, and each object's
 * prototype, so `__proto__` and `constructor` fields compare as data (toStrictEqual would read an
 * own `constructor` field as the object's class).
 */
function canon(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (Array.isArray(value)) return ['array', proto === Array.prototype, value.map(canon)];
  return [
    'object',
    proto === Object.prototype,
    Reflect.ownKeys(value).map((k) => {
      const descriptor = Object.getOwnPropertyDescriptor(value, k);
      return [String(k), descriptor?.enumerable, descriptor?.writable, canon(descriptor?.value)];
    }),
  ];
}

/** Same copy, or the same exception (a Date-derived object with no date inside throws in both). */
function expectSameCopy(fast: () => unknown, careful: () => unknown): void {
  expect(attempt(fast)).toEqual(attempt(careful));
}

function attempt(redaction: () => unknown): unknown {
  try {
    return canon(redaction());
  } catch (error) {
    return ['threw', String(error)];
  }
}

afterEach(() => clearRegisteredSecrets());

describe('redaction walk', () => {
  it('copies every record exactly as the careful walk does, before and after secrets are registered', () => {
    fc.assert(
      fc.property(record, registrations, registrations, (value, before, after) => {
        clearRegisteredSecrets();
        for (const s of before) registerSecret(s);
        // Twice: the first call may remember key verdicts, the second relies on them.
        expectSameCopy(() => redactForLog(value), () => carefulRedact(value, registeredSecrets()));
        expectSameCopy(() => redactRecord(value), () => carefulRedact(value, registeredSecrets()));
        // A secret registered after a key was remembered must still be scrubbed out of that key.
        for (const s of after) registerSecret(s);
        expectSameCopy(() => redactForLog(value), () => carefulRedact(value, registeredSecrets()));
      }),
      { numRuns: 500 },
    );
  });

  it('treats arbitrary values the same way (top level strings, arrays, errors, odd objects)', () => {
    fc.assert(
      fc.property(fc.oneof(nested, bounded, fc.anything()), (value) => {
        expectSameCopy(() => redactForLog(value), () => carefulRedact(value, registeredSecrets()));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the careful copy of a flat record on the log line', () => {
    const chunks: string[] = [];
    const logger: Logger = createLogger({ name: 'test', destination: { write: (s: string) => void chunks.push(s) } });
    const reserved = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);
    fc.assert(
      fc.property(flatRecord, registrations, (value, secrets) => {
        clearRegisteredSecrets();
        for (const s of secrets) registerSecret(s);
        chunks.length = 0;
        logger.info(value, 'line');
        const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
        for (const k of reserved) delete line[k];
        const expected = JSON.parse(JSON.stringify(carefulRedact(value, registeredSecrets()))) as Record<string, unknown>;
        for (const k of reserved) delete expected[k];
        expect(line).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('redacts like the careful walk while more distinct keys pass than the key-verdict cache holds', () => {
    // The cache holds 1000 keys and starts over when full. Whatever it holds when this test begins,
    // a run of 1500 distinct sensitive keys fills it at least once with a sensitive key, and 1500
    // plain keys once more; each record is redacted twice (the second time from remembered
    // verdicts), and the whole sequence twice, so keys come back after the cache has emptied.
    const sensitive = Array.from({ length: 1500 }, (_, i) => [`user${String(i)}Phone`, `x_${String(i)}_access_token`, `Graph${String(i)}ApiKey`][i % 3] as string);
    const plain = Array.from({ length: 1500 }, (_, i) => `field${String(i)}`);
    const records: Record<string, unknown>[] = [];
    for (const keys of [sensitive, plain, sensitive.map((k, i) => [k, plain[i] as string]).flat()]) {
      for (let i = 0; i < keys.length; i += 50) {
        records.push(Object.fromEntries(keys.slice(i, i + 50).map((k, j) => [k, j % 2 === 0 ? `value lowercaseonlypass ${k}` : { nested: k, phone: '+1 5555551234' }])));
      }
    }
    for (const round of [0, 1]) {
      // Second round: a secret registered after the keys holding it were remembered.
      if (round === 1) registerSecret('field12');
      for (const value of records) {
        expectSameCopy(() => redactForLog(value), () => carefulRedact(value, registeredSecrets()));
        expectSameCopy(() => redactForLog(value), () => carefulRedact(value, registeredSecrets()));
      }
    }
    // A sensitive key read from the cache after it has started over is still redacted.
    expect(redactForLog({ [sensitive[0] as string]: 'lowercaseonlypass', [plain[0] as string]: 'kept' })).toEqual({ [sensitive[0] as string]: REDACTED, [plain[0] as string]: 'kept' });
  });
});

describe('registered secrets after the registry lets go', () => {
  it('are not kept alive by the redactor once cleared', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    registerSecret(`cleared-${String(process.pid)}-secret`);
    const list = new WeakRef(registeredSecrets());
    redactForLog({ note: 'a line that scrubs with the list' });
    clearRegisteredSecrets();
    // A WeakRef keeps its target until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(list.deref()).toBeUndefined();
  });
});
