// What every command gets from the composition root (cli.ts builds the real one; tests inject
// an in-memory ledger, a fake fetch, fixed ids, a fast poll).

import type { CalloutIds } from '../callout-body.js';
import type { FetchLike } from '../http.js';
import type { OpenLedger } from '../ledger.js';
import type { Writer } from '../output.js';

export interface CliDeps {
  readonly cwd: string;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly fetch: FetchLike;
  readonly openLedger: OpenLedger;
  readonly newIds: () => CalloutIds;
  /** Ledger poll interval of `simulate --wait`. */
  readonly pollMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  readonly stack?: string;
  readonly json?: boolean;
}
