// The one error type tapctl prints as a readable line: something the operator can act on (no
// stack, no cause, never a secret). Anything else reaching the top level is a bug.

export const EXIT = {
  ok: 0,
  /** An expected failure: no stack, a service refused or is unreachable, not found. */
  failed: 1,
  /** Bad command line (commander's own errors included). */
  usage: 2,
  /** `--wait` ran out of time before the request came to rest. */
  timedOut: 3,
  /** dlq replay/reissue/purge: some selected messages failed, or stayed locked by someone else. */
  partial: 4,
  /** dlq replay/reissue/purge: more than one message and no confirmation (`--yes`, or "y" at the prompt). */
  notConfirmed: 5,
} as const;

export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(message: string, readonly exitCode: number = EXIT.failed) {
    super(message);
  }
}
