import { demoApp, demoOrgFixture, demoPerson } from '../../src/demo-org.js';

/** The shipped demo org, read as data so tests name users by UPN and check ids against it. */
export const demoOrg = demoOrgFixture();

export function user(nick: string): { id: string; upn: string } {
  const p = demoPerson(nick);
  return { id: p.id, upn: p.userPrincipalName };
}

export const app = demoApp;
