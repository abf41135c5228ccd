import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { createTableLedger } from '@tapline/ledger';
import { startAzurite, type Azurite } from '@tapline/test-harness';
import { SECRETS, ledgerConformance, newRequest } from './conformance.js';

let azurite: Azurite;
// Unique per test file run, and per factory call: each test gets its own four tables.
const runPrefix = `t${randomBytes(3).toString('hex')}`;
let n = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

ledgerConformance('Azure Tables (Azurite)', () => createTableLedger({ connectionString: azurite.connectionString, tablePrefix: `${runPrefix}n${++n}` }));

describe('Table adapter specifics', () => {
  it('stores no secret in any raw column of any table', async () => {
    const prefix = `${runPrefix}raw`;
    const ledger = await createTableLedger({ connectionString: azurite.connectionString, tablePrefix: prefix });
    const input = newRequest();
    await ledger.recordReceived(input);
    const leaky = `error for ${SECRETS.email} ${SECRETS.phone} ${SECRETS.tap} ${SECRETS.bearer}`;
    await ledger.transition(input.requestId, 'issuing', { lastError: leaky, note: leaky });
    await ledger.appendAudit({ requestId: input.requestId, actor: 'worker', action: 'x', detail: { leaky }, at: new Date() });
    const raw: unknown[] = [];
    for (const table of ['requests', 'targets', 'quotas', 'audit']) {
      const client = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${table}`, { allowInsecureConnection: true });
      for await (const e of client.listEntities()) raw.push(e);
    }
    const dump = JSON.stringify(raw);
    expect(dump).toContain(input.requestId);
    for (const secret of Object.values(SECRETS)) expect(dump).not.toContain(secret);
  });

  it('rejects a table prefix Azure would refuse', async () => {
    await expect(createTableLedger({ connectionString: azurite.connectionString, tablePrefix: 'bad-prefix' })).rejects.toThrow(/alphanumeric/);
  });

  it('translates an unreachable account into a RetryableError', async () => {
    const dead = azurite.connectionString.replace(/:\d+\//, ':1/');
    const err = await createTableLedger({ connectionString: dead, tablePrefix: 'unreach', maxRequestRetries: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RetryableError' });
  });
});
