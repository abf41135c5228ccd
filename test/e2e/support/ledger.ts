// The ledger as the suites read it: through @tapline/ledger for records and audit trails (as
// tapctl does, read-only), and raw, every column of every table, for the secret scan.
import { TableServiceClient, TableClient } from '@azure/data-tables';
import { createTableLedger } from '@tapline/ledger';
import type { Ledger } from '@tapline/ledger';

export async function openLedger(connectionString: string): Promise<Ledger> {
  return createTableLedger({ connectionString, createTables: false });
}

export interface TableRow {
  readonly table: string;
  /** Every property of the entity, as stored. */
  readonly entity: Record<string, unknown>;
}

const HTTP = { allowInsecureConnection: true };

/** Every row of every table in the account (bounded: a run writes a few thousand at most). */
export async function dumpTables(connectionString: string, maxRows = 200_000): Promise<TableRow[]> {
  const service = TableServiceClient.fromConnectionString(connectionString, HTTP);
  const rows: TableRow[] = [];
  for await (const table of service.listTables()) {
    if (!table.name) continue;
    const client = TableClient.fromConnectionString(connectionString, table.name, HTTP);
    for await (const entity of client.listEntities()) {
      rows.push({ table: table.name, entity: entity });
      if (rows.length >= maxRows) throw new Error(`more than ${maxRows} ledger rows: not a test run`);
    }
  }
  return rows;
}
