// The demo org (the tenant simulator's fixture file) as a seed for the in-memory tenant, so the
// conformance suite runs against the same org on both sides. Test-only: the fixture format
// belongs to the simulator; this reads the parts tapline depends on.

import type { MemoryTenantSeed, MemoryUser } from '@tapline/graph';
import type { FixtureGroup } from '@tapline/tenant-simulator';
import { demoOrgFixture } from '@tapline/tenant-simulator/demo-org';

export function demoOrgSeed(now: Date = new Date()): MemoryTenantSeed {
  const fixture = demoOrgFixture();
  const userRef = (ref: string) =>
    fixture.users.find((u) => u.id === ref || u.userPrincipalName.toLowerCase() === ref.toLowerCase() || u.userPrincipalName.split('@')[0]!.toLowerCase() === ref.toLowerCase());
  const groupRef = (ref: string) => fixture.groups.find((g) => g.id === ref || g.displayName === ref);

  /** Groups containing `principalId`, directly or through nested groups. */
  const groupsOf = (principalId: string, seen = new Set<string>()): FixtureGroup[] => {
    const direct = fixture.groups.filter((g) => g.members.some((m) => (userRef(m)?.id ?? groupRef(m)?.id) === principalId));
    const out: FixtureGroup[] = [];
    for (const g of direct) {
      if (seen.has(g.id)) continue;
      seen.add(g.id);
      out.push(g, ...groupsOf(g.id, seen));
    }
    return out;
  };

  const users: MemoryUser[] = fixture.users.map((u) => {
    const groups = groupsOf(u.id);
    const groupRoles = groups.reduce((n, g) => n + (g.roles?.length ?? 0), 0);
    return {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      mail: u.mail ?? null,
      accountEnabled: u.accountEnabled ?? true,
      userType: u.userType ?? 'Member',
      isExternal: u.creationType === 'Invitation' || u.userPrincipalName.includes('#EXT#'),
      managerId: u.manager ? userRef(u.manager)!.id : null,
      activeRoles: (u.directRoles?.length ?? 0) + groupRoles,
      eligibleRoles: u.eligibleRoles?.length ?? 0,
      groupIds: groups.map((g) => g.id),
      ...(u.phoneMethods && { phones: u.phoneMethods }),
    };
  });
  const managerChanges = fixture.users
    .filter((u) => u.managerChange)
    .map((u) => ({ userId: u.id, at: new Date(now.getTime() - u.managerChange!.minutesAgo * 60_000) }));
  return { users, tapPolicy: { ...fixture.tapPolicy }, managerChanges };
}
