import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OrgFixture } from '../../src/fixture/types.js';

/** The shipped demo org, read as data so tests name users by UPN and check ids against it. */
export const demoOrg = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/demo-org.json', import.meta.url)), 'utf8')) as OrgFixture;

export function user(nick: string): { id: string; upn: string } {
  const u = demoOrg.users.find((x) => x.userPrincipalName.toLowerCase().startsWith(`${nick.toLowerCase()}@`) || x.userPrincipalName.toLowerCase().startsWith(`${nick.toLowerCase()}_`));
  if (!u) throw new Error(`no demo user ${nick}`);
  return { id: u.id, upn: u.userPrincipalName };
}

export function app(name: string): { appId: string; servicePrincipalId: string; clientSecret?: string } {
  const a = demoOrg.apps.find((x) => x.name === name);
  if (!a) throw new Error(`no demo app ${name}`);
  return a;
}
