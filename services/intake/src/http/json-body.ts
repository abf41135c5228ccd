// Reading the request body as JSON, within limits: a media-type check, a byte limit enforced
// while reading (the Content-Length header is checked first but never trusted alone), strict
// UTF-8 and a nesting bound, so no body can cost more than a small, fixed amount of work.
import type { HttpRequest } from '@azure/functions';

export type JsonBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'too_large' }
  | { readonly ok: false; readonly reason: 'invalid'; readonly detail: string };

/** Entra's call-out body nests four levels; anything far deeper is not a call-out. */
export const MAX_JSON_DEPTH = 32;

/** `application/json` or any `application/*+json`, in UTF-8 (the only charset JSON allows on the wire, RFC 8259). */
export function isJsonContentType(header: string | null): boolean {
  if (header === null) return false;
  const [mediaType = '', ...params] = header.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return false;
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((s) => s.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8') return false;
  }
  return true;
}

export async function readJsonBody(request: HttpRequest, limitBytes: number): Promise<JsonBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) return { ok: false, reason: 'too_large' };

  const bytes = await readAtMost(request, limitBytes);
  if (bytes === undefined) return { ok: false, reason: 'too_large' };

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return { ok: false, reason: 'invalid', detail: 'The body is not valid UTF-8.' };
  }
  if (exceedsDepth(text, MAX_JSON_DEPTH)) {
    return { ok: false, reason: 'invalid', detail: `The body nests deeper than ${MAX_JSON_DEPTH} levels.` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'invalid', detail: 'The body is not valid JSON.' };
  }
}

/** The body, or undefined as soon as it passes the limit (the rest is not read). */
async function readAtMost(request: HttpRequest, limitBytes: number): Promise<Uint8Array | undefined> {
  const stream = request.body;
  if (stream === null) return new Uint8Array(0);
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value;
    total += chunk.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Bracket depth outside strings; JSON.parse itself is not bounded in depth. */
function exceedsDepth(text: string, maxDepth: number): boolean {
  // Depth never exceeds the number of opening brackets (those inside strings only add to the
  // count), and a call-out has about fifteen: counting them natively spares the walk below.
  if (countAtMost(text, '{', maxDepth + 1) + countAtMost(text, '[', maxDepth + 1) <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** Occurrences of `char` in `text`, counted up to `limit`. */
function countAtMost(text: string, char: string, limit: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1 && count < limit; i = text.indexOf(char, i + 1)) count++;
  return count;
}
