// Opens the ledger tapctl reads, from the stack file's `tables` section. Read-only use: tapctl
// never creates tables (a missing table means no service has written yet), and fails fast so a
// stopped Azurite is reported at once instead of after the SDK's retries.

import { isRetryable } from '@tapline/domain';
import { CliError } from './cli-error.js';
import type { LedgerReader } from './follow.js';

export interface TablesSection {
  readonly connectionString: string;
  readonly tablePrefix?: string | undefined;
}

export type OpenLedger = (tables: TablesSection) => Promise<LedgerReader>;

export const openTableLedger: OpenLedger = async (tables) => {
  // Loaded on demand: the Tables SDK is most of tapctl's start-up time, and `--help` needs none of it.
  const { createTableLedger } = await import('@tapline/ledger');
  try {
    return await createTableLedger({
      connectionString: tables.connectionString,
      ...(tables.tablePrefix !== undefined && { tablePrefix: tables.tablePrefix }),
      createTables: false,
      maxRequestRetries: 1,
    });
  } catch (err) {
    if (isRetryable(err)) throw err; // reported by the top level with the other ledger outages
    // Never echo the connection string: it carries the account key.
    throw new CliError('cannot open the ledger: tables.connectionString in the stack file is not a usable connection string');
  }
};
