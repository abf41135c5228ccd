import { z } from 'zod';

/**
 * Schemas for the shapes environment variables come in. Each takes the raw string and yields a
 * typed value with a reason that never quotes the input. Use `.optional()` or `.default()` on the
 * result as usual (`env.port().default(8080)`).
 */

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500`, `1500ms`, `30s`, `5m`, `1h`, `2d` (a bare number is milliseconds) -> milliseconds. */
function durationMs(options: { min?: number; max?: number } = {}) {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return z
    .string()
    .transform((raw, ctx) => {
      const m = /^\s*(\d{1,15}(?:\.\d{1,6})?)\s*(ms|s|m|h|d)?\s*$/i.exec(raw);
      if (m === null) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 1500, 1500ms, 30s, 5m, 1h or 2d' });
        return z.NEVER;
      }
      const ms = Math.round(Number(m[1]) * (UNITS_MS[(m[2] ?? 'ms').toLowerCase()] ?? 1));
      if (ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `must be between ${String(min)} ms and ${String(max)} ms` });
        return z.NEVER;
      }
      return ms;
    });
}

/** Comma-separated list, trimmed, empty items dropped; each item checked by `item`. */
function list<T extends z.ZodType<unknown, string> = z.ZodString>(item?: T, options: { min?: number; max?: number } = {}) {
  const itemSchema = (item ?? z.string()) as T;
  return z
    .string()
    .transform((raw) => raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(itemSchema).min(options.min ?? 0).max(options.max ?? 1000));
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** true/false, 1/0, yes/no, on/off, any casing. (z.coerce.boolean would read "false" as true.) */
function boolean() {
  return z.string().transform((raw, ctx) => {
    const v = raw.trim().toLowerCase();
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be true or false (also 1/0, yes/no, on/off)' });
    return z.NEVER;
  });
}

/** Whole number within bounds. */
function integer(options: { min?: number; max?: number } = {}) {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return z.string().transform((raw, ctx) => {
    if (!/^\s*-?\d{1,16}\s*$/.test(raw)) {
      ctx.addIssue({ code: 'custom', message: 'must be a whole number' });
      return z.NEVER;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${String(min)} and ${String(max)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** TCP port 0-65535 (0 asks the OS for a free port, which local tests use). */
function port() {
  return integer({ min: 0, max: 65_535 });
}

/** Absolute URL, optionally restricted to some protocols (`['https:']`); yields the string. */
function url(options: { protocols?: readonly string[] } = {}) {
  return z.string().transform((raw, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return z.NEVER;
    }
    if (options.protocols !== undefined && !options.protocols.includes(parsed.protocol)) {
      ctx.addIssue({ code: 'custom', message: `must use ${options.protocols.join(' or ')}` });
      return z.NEVER;
    }
    return raw.trim();
  });
}

/** A non-empty string (after trimming), at most `max` characters. Secrets too: never echoed. */
function string(options: { max?: number } = {}) {
  return z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1).max(options.max ?? 8192, { error: `must be at most ${String(options.max ?? 8192)} characters` }));
}

/** One of a fixed set of words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().transform((raw, ctx): T[number] => {
    const v = raw.trim();
    if ((values as readonly string[]).includes(v)) return v;
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
    return z.NEVER;
  });
}

export const env = { durationMs, list, boolean, integer, port, url, string, oneOf };
