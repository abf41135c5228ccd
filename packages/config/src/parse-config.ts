import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parse the environment with a service's schema, in `main()` (never at import). Each service
 * declares its variable names once, as the keys of one `z.object`, using the helpers in `env.ts`
 * for common shapes; cross-variable rules go in `.superRefine` with the variable name as the path.
 *
 * - An empty or blank variable counts as unset (`FOO=` in an env file means "not configured").
 * - Only the schema's own names are read; the rest of the environment is ignored.
 * - All problems are reported at once, by name; values never appear in the error, and as a last
 *   guard a reason that happens to contain the value is replaced.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env = process.env): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    input[name] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const result = schema.safeParse(input, { reportInput: false });
  if (result.success) return result.data;

  const byName = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const name = issue.path.length === 0 ? '(config)' : String(issue.path[0]);
    const raw = typeof input[name] === 'string' ? input[name] : undefined;
    const reason = safeReason(issue, raw);
    const reasons = byName.get(name) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    byName.set(name, reasons);
  }
  const issues: ConfigIssue[] = [...byName].map(([name, reasons]) => ({ name, reason: reasons.join('; ') }));
  throw new ConfigError(issues);
}

function safeReason(issue: z.core.$ZodIssue, raw: string | undefined): string {
  if (issue.code === 'invalid_type' && issue.path.length === 1 && raw === undefined) return 'is required';
  const message = issue.message.replace(/^Invalid input: /, '');
  // Short values ("1", "on") can legitimately appear in a reason ("must be at least 1").
  if (raw !== undefined && raw.length >= 4 && message.includes(raw)) return 'is not valid';
  return message;
}
