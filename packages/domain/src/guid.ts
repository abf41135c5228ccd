import { z } from 'zod';

/**
 * Entra object ids, request ids and stage instance ids are GUIDs. We accept any hex casing (the
 * wire is not consistent) and normalise to lower case, so ledger keys, Service Bus message ids and
 * comparisons (is the requestor the manager?) never depend on how a caller spelled an id.
 */
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/** Lower-cased GUID; the message is static so a bad value is never echoed. */
export const guidSchema = z
  .string({ error: 'must be a string' })
  .regex(GUID_PATTERN, { error: 'must be a GUID' })
  .transform((s) => s.toLowerCase());

/** Case-insensitive id equality, for ids that came from different sources. */
export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
