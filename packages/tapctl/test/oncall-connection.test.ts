// Who the audit trail records, and the connection rules that are checked before anything connects.
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { connect, operatorFromToken } from '../src/oncall/connection.js';

const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const deps = { cwd: process.cwd(), fetch: () => Promise.reject(new Error('no network in this test')) };

describe('the operator in Azure', () => {
  it('is the token\'s display name and object id, never its UPN (an email address)', async () => {
    const who = await operatorFromToken(() => Promise.resolve({ token: jwt({ oid: '11111111-2222-4333-8444-555555555555', name: 'Ana Oncall', upn: 'ana@contoso.com' }) }));
    expect(who).toBe('Ana Oncall (oid 11111111-2222-4333-8444-555555555555)');
    expect(who).not.toContain('@');
  });

  it('refuses a token without an object id, and says how to sign in when there is none', async () => {
    await expect(operatorFromToken(() => Promise.resolve({ token: jwt({ name: 'x' }) }))).rejects.toThrow(/no object id/);
    await expect(operatorFromToken(() => Promise.reject(new Error('CredentialUnavailableError')))).rejects.toThrow(/az login/);
  });
});

describe('connection options', () => {
  it('needs both the namespace and the tables endpoint for Azure', async () => {
    const err = await connect({ namespace: 'tapline.servicebus.windows.net' }, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
  });

  it('refuses --as in Azure: the signed-in identity is who acted', async () => {
    const err = await connect({ namespace: 'n.servicebus.windows.net', tables: 'https://a.table.core.windows.net', as: 'someone-else' }, deps).catch((e: unknown) => e);
    expect((err as CliError).message).toMatch(/--as is for the local stack only/);
  });
});
