// The demo org's facts as tests, benches and the demo name them: one module, read from the fixture
// the simulator serves (fixtures/demo-org.json), so no test file restates an id, a UPN, a mail
// address or who manages whom. Import it as `@tapline/tenant-simulator/demo-org`. The people and
// their cases are described in the README ("Demo org"); demo-org.test.ts proves each case.
import { loadFixture } from './fixture/load.js';
import type { FixtureUser, OrgFixture } from './fixture/types.js';

export interface DemoPerson {
  readonly id: string;
  readonly userPrincipalName: string;
  /** The UPN's local part, as `tapctl simulate` and the e2e helpers accept it (`alice.novak`). */
  readonly nick: string;
  readonly displayName: string;
  readonly mail: string | null;
  /** The authentication mobile number as the directory holds it (`+1 4255550110`), if any. */
  readonly mobile: string | undefined;
  /** The manager's object id, if any. */
  readonly managerId: string | undefined;
}

let fixture: OrgFixture | undefined;

/** The demo org fixture, validated (read once). */
export function demoOrgFixture(): OrgFixture {
  return (fixture ??= loadFixture());
}

function findUser(ref: string): FixtureUser | undefined {
  const r = ref.toLowerCase();
  return demoOrgFixture().users.find((u) => {
    const upn = u.userPrincipalName.toLowerCase();
    return u.id === r || upn === r || upn.startsWith(`${r}@`) || upn.startsWith(`${r}_`);
  });
}

/** A person of the demo org by object id, UPN or the UPN's local part; throws for anyone else. */
export function demoPerson(ref: string): DemoPerson {
  const u = findUser(ref);
  if (u === undefined) throw new Error(`no user "${ref}" in the demo org`);
  const managerId = u.manager === undefined ? undefined : findUser(u.manager)?.id;
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    nick: u.userPrincipalName.split('@')[0]!,
    displayName: u.displayName,
    mail: u.mail ?? null,
    mobile: u.phoneMethods?.mobile,
    managerId,
  };
}

function group(displayName: string): string {
  const g = demoOrgFixture().groups.find((x) => x.displayName === displayName);
  if (g === undefined) throw new Error(`no group "${displayName}" in the demo org`);
  return g.id;
}

/** An app registration or managed identity of the demo org by its fixture name (`tapline-worker`). */
export function demoApp(name: string): { readonly appId: string; readonly servicePrincipalId: string; readonly clientSecret?: string } {
  const a = demoOrgFixture().apps.find((x) => x.name === name);
  if (a === undefined) throw new Error(`no app "${name}" in the demo org`);
  return a;
}

/**
 * The people each case of the demo rests on, by first name. Getters, so importing this module
 * reads nothing until a test asks.
 */
export const DEMO = {
  get tenantId(): string { return demoOrgFixture().tenant.id; },
  /** Top of the org; manages marcus, priya, diego, hannah. */
  get olivia() { return demoPerson('olivia.chen'); },
  /** Manages ben; ben's skip-level for alice and her peers. */
  get marcus() { return demoPerson('marcus.webb'); },
  /** The happy path's requestor: manages alice, bob, carol, dave, erin, frank, grace, henry, ivan, judy, kim, leo, nina, paul. */
  get ben() { return demoPerson('ben.okafor'); },
  /** Manages quinn, rosa, sam, tara; not ben's reports (RequestorNotManager for them). */
  get oscar() { return demoPerson('oscar.reyes'); },
  /** Happy path: member, mobile and office phone, mail. */
  get alice() { return demoPerson('alice.novak'); },
  /** No phone methods, mail only. */
  get bob() { return demoPerson('bob.lindqvist'); },
  /** A UK mobile (+44) and mail (the email-fallback story). */
  get carol() { return demoPerson('carol.white'); },
  /** Alternate mobile only. */
  get dave() { return demoPerson('dave.kim'); },
  /** Direct active role (Helpdesk Administrator). */
  get erin() { return demoPerson('erin.walsh'); },
  /** Active role through the role-assignable group "Tier 1 Helpdesk Admins". */
  get frank() { return demoPerson('frank.moreau'); },
  /** PIM-eligible (Security Administrator). */
  get grace() { return demoPerson('grace.liu'); },
  /** Disabled. */
  get henry() { return demoPerson('henry.adams'); },
  /** External B2B guest. */
  get ivan() { return demoPerson('ivan.petrov'); },
  /** Internal guest. */
  get judy() { return demoPerson('judy.tanaka'); },
  /** Office phone only, and mail. */
  get kim() { return demoPerson('kim.nguyen'); },
  /** No phone, no mail. */
  get leo() { return demoPerson('leo.martins'); },
  /** Manager changed 60 minutes before the tenant started. */
  get nina() { return demoPerson('nina.berg'); },
  /** Member of "Tier 0 Engineers" through the nested "Core Platform Team". */
  get paul() { return demoPerson('paul.schmidt'); },
  /** Reports to uma.patel; manager changed 10 days ago. */
  get xavier() { return demoPerson('xavier.roux'); },
  /** No manager, Global Administrator. */
  get breakGlass() { return demoPerson('break.glass'); },
  get tier0Group(): string { return group('Tier 0 Engineers'); },
  get allEngineeringGroup(): string { return group('All Engineering'); },
  /** A well-formed id no one in the demo org has. */
  unknownId: '00000000-0000-4000-8000-00000000dead',
} as const;
