import { describe, expect, it } from 'vitest';
import { Directory, isExternalGuest } from '../src/directory/org.js';
import { FixtureError, loadFixture, validateFixture } from '../src/fixture/load.js';

/** The demo org promises these cases (README "Demo org"); tests of other packages rely on them. */
describe('the shipped demo org', () => {
  const fixture = loadFixture();
  const dir = new Directory(fixture, new Date('2026-06-01T12:00:00Z'));
  const byNick = (nick: string) => dir.findUser(nick)!;

  it('has at least 30 users over at least three management levels', () => {
    expect(dir.users.size).toBeGreaterThanOrEqual(30);
    const depth = (id: string): number => { const m = dir.users.get(id)!.managerId; return m ? 1 + depth(m) : 1; };
    expect(Math.max(...[...dir.users.keys()].map(depth))).toBeGreaterThanOrEqual(3);
    expect(dir.directReportsOf(byNick('ben.okafor').id).length).toBeGreaterThanOrEqual(10);
  });

  it('holds each admin kind, a guest, a disabled user, a user without a mobile number', () => {
    expect(dir.roleAssignments.some((a) => a.principalId === byNick('erin.walsh').id)).toBe(true);
    expect(dir.transitiveAssignmentsOf(byNick('frank.moreau').id)).toHaveLength(1);
    expect(dir.roleAssignments.some((a) => a.principalId === byNick('frank.moreau').id)).toBe(false);
    expect(dir.roleEligibilities.map((e) => e.principalId)).toContain(byNick('grace.liu').id);
    expect(isExternalGuest(byNick('ivan.petrov_fabrikam.example#EXT#@contoso.onmicrosoft.com'))).toBe(true);
    expect(byNick('judy.tanaka').userType).toBe('Guest');
    expect(isExternalGuest(byNick('judy.tanaka'))).toBe(false);
    expect(byNick('henry.adams').accountEnabled).toBe(false);
    expect(byNick('bob.lindqvist').phoneMethods.mobile).toBeUndefined();
    expect(Object.keys(byNick('kim.nguyen').phoneMethods)).toEqual(['office']);
    expect(byNick('kim.nguyen').phoneMethods.office).toMatch(/^\+1 \d{10}x\d+$/);
  });

  it('records the manager change of an hour before the start as an audit entry', () => {
    const nina = byNick('nina.berg');
    const entry = dir.audit.all().find((a) => a.targetResources.some((t) => t.id === nina.id));
    expect(entry?.activityDateTime).toBe('2026-06-01T11:00:00.000Z');
    expect(entry?.activityDisplayName).toBe('Update user');
  });

  it('writes phone numbers in Graph format', () => {
    const numbers: string[] = [...dir.users.values()].flatMap((u) => Object.values(u.phoneMethods).filter((n): n is string => typeof n === 'string'));
    expect(numbers.length).toBeGreaterThan(25);
    for (const n of numbers) expect(n).toMatch(/^\+\d{1,3} \d{6,14}(x\d+)?$/);
  });

  it('refuses broken fixtures with a pointed message', () => {
    expect(() => validateFixture({ ...fixture, tapPolicy: { ...fixture.tapPolicy, defaultLength: 4 } })).toThrow(/defaultLength/);
    const bad = { ...fixture, users: [{ ...fixture.users[0]!, manager: 'nobody' }] };
    expect(() => new Directory(validateFixture(bad), new Date())).toThrow(FixtureError);
  });
});
