// Finds and reads `.local/stack.json`, the endpoints `pnpm start` wrote. Read leniently: unknown
// keys are kept (the orchestrator may add more), and each command asks only for the sections it
// needs, so a stack file missing, say, `acs` still serves `status`.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from './cli-error.js';

export const DEFAULT_STACK_FILE = path.join('.local', 'stack.json');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const nonEmpty = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' });

const stackSchema = z
  .object({
    intake: z.object({ url: httpUrl }).loose().optional(),
    serviceBus: z.object({ connectionString: nonEmpty, adminUrl: httpUrl.optional() }).loose().optional(),
    tables: z
      .object({
        connectionString: nonEmpty,
        // Not in the issue's list: a stack whose services share an account under a table prefix.
        tablePrefix: z.string().regex(/^[A-Za-z0-9]*$/, { error: 'must be alphanumeric' }).optional(),
      })
      .loose()
      .optional(),
    tenant: z.object({ url: httpUrl, tenantId: z.string().optional() }).loose().optional(),
    acs: z.object({ url: httpUrl.optional(), connectionString: z.string().optional() }).loose().optional(),
    logs: z.object({ dir: z.string().optional() }).loose().optional(),
    telemetry: z.object({ url: httpUrl }).loose().optional(),
  })
  .loose();

export type Stack = z.infer<typeof stackSchema>;
export type StackSection = 'intake' | 'serviceBus' | 'tables' | 'tenant' | 'telemetry';

export interface LoadedStack {
  readonly file: string;
  /** The file as the operator would write it (relative to cwd when below it). */
  readonly where: string;
  readonly stack: Stack;
}

const NO_STACK_HINT = 'run `pnpm start` first';

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Where the stack file is: `explicit` (resolved against cwd), else the nearest `.local/stack.json`
 * from cwd upward, stopping at the workspace root (the directory with `pnpm-workspace.yaml`).
 * Returns the path even when nothing exists there, so the error can name where we looked.
 */
export async function locateStackFile(cwd: string, explicit?: string): Promise<{ file: string; exists: boolean }> {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    return { file, exists: await isFile(file) };
  }
  let dir = path.resolve(cwd);
  let workspaceRoot: string | undefined;
  for (let depth = 0; depth < 64; depth++) {
    const candidate = path.join(dir, DEFAULT_STACK_FILE);
    if (await isFile(candidate)) return { file: candidate, exists: true };
    if (await isFile(path.join(dir, 'pnpm-workspace.yaml'))) {
      workspaceRoot = dir;
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { file: path.join(workspaceRoot ?? path.resolve(cwd), DEFAULT_STACK_FILE), exists: false };
}

function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export async function loadStack(cwd: string, explicit?: string): Promise<LoadedStack> {
  const { file, exists } = await locateStackFile(cwd, explicit);
  const where = shown(file, cwd);
  if (!exists) throw new CliError(`no local stack found at ${where}: ${NO_STACK_HINT}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    throw new CliError(`the stack file ${where} is not readable JSON: restart \`pnpm start\` to rewrite it`);
  }
  const parsed = stackSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(file)';
    // zod's message names the rule, never the value (a connection string stays out of the output).
    throw new CliError(`the stack file ${where} is not usable: ${field} ${issue?.message ?? 'is invalid'}`);
  }
  return { file, where, stack: parsed.data };
}

/** The section a command needs, or a readable error naming it. */
export function requireSection<K extends StackSection>(loaded: LoadedStack, section: K): NonNullable<Stack[K]> {
  const value = loaded.stack[section];
  if (value === undefined) {
    throw new CliError(`the stack file ${loaded.where} has no "${section}" section: restart \`pnpm start\` to rewrite it`);
  }
  return value;
}
