import { AcsHttpError } from './acs-error.js';

/** Request bodies are untrusted JSON: parse once, then narrow field by field. */
export function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new AcsHttpError(400, 'BadRequest', 'The request body is not valid JSON.');
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalStringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AcsHttpError(400, 'BadRequest', `'${name}' must be a string.`);
  return value;
}

export function requiredStringField(record: Record<string, unknown>, name: string): string {
  const value = optionalStringField(record, name);
  if (value === undefined) throw new AcsHttpError(400, 'BadRequest', `'${name}' is required.`);
  return value;
}
