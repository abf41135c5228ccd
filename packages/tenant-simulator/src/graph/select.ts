import { badRequest } from './errors.js';

/**
 * Applies `$select` to an entity: unknown properties are rejected the way Graph rejects them,
 * known ones are returned (null when unset). `@odata.*` annotations always pass through.
 */
export function applySelect(entity: Record<string, unknown>, select: string | null, typeName: string, fallback: readonly string[]): Record<string, unknown> {
  const wanted = select ? select.split(',').map((s) => s.trim()).filter((s) => s !== '') : [...fallback];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) if (k.startsWith('@odata.')) out[k] = v;
  for (const name of wanted) {
    const key = Object.keys(entity).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) {
      throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${typeName}'.`);
    }
    out[key] = entity[key];
  }
  return out;
}

/** `$top`, validated as Graph does (a positive integer). */
export function parseTop(query: URLSearchParams): number | undefined {
  const raw = query.get('$top');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`Invalid value '${raw}' for $top query option found.`, 'Request_BadRequest');
  return n;
}
