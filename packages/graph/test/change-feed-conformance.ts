// The DirectoryChangeFeed behaviour the directory watch relies on, for the in-memory tenant and
// the Graph adapter on the tenant simulator (both holding the demo org).
import { beforeEach, describe, expect, it } from 'vitest';
import { DeltaTokenExpiredError } from '@tapline/graph';
import type { DirectoryChangeFeed } from '@tapline/graph';
import { ORG } from './org.js';

export interface ChangeFeedSubject {
  readonly changes: DirectoryChangeFeed;
  setManager(userId: string, managerId: string | null): Promise<void>;
  removeUser(userId: string): Promise<void>;
  registerMobile(userId: string, number: string): Promise<void>;
  expireDeltaTokens(): Promise<void>;
}

export function changeFeedConformance(name: string, setup: () => Promise<ChangeFeedSubject>): void {
  describe(`DirectoryChangeFeed conformance: ${name}`, () => {
    let s: ChangeFeedSubject;
    beforeEach(async () => {
      s = await setup();
    });

    it('starts with a full sync naming every manager, and a later round reports only what changed', async () => {
      const full = await s.changes.deltaRound(undefined);
      expect(full.fullSync).toBe(true);
      expect(full.users.find((u) => u.id === ORG.alice)).toMatchObject({ removed: false, managerId: ORG.ben, accountEnabled: true });
      expect(full.users.find((u) => u.id === ORG.alice)?.mailHash).toMatch(/^[0-9a-f]{64}$/);
      expect(full.users.find((u) => u.id === ORG.olivia)).toMatchObject({ managerId: null });
      expect((await s.changes.deltaRound(full.deltaLink)).users).toEqual([]);

      await s.setManager(ORG.alice, ORG.marcus);
      await s.setManager(ORG.bob, null);
      await s.removeUser(ORG.henry);
      const next = await s.changes.deltaRound(full.deltaLink);
      expect(next.fullSync).toBe(false);
      const byId = new Map(next.users.map((u) => [u.id, u]));
      expect(byId.get(ORG.alice)).toMatchObject({ managerId: ORG.marcus });
      expect(byId.get(ORG.bob)).toMatchObject({ managerId: null });
      expect(byId.get(ORG.henry)).toEqual({ id: ORG.henry, removed: true });
    });

    it('throws DeltaTokenExpiredError for an expired token', async () => {
      const full = await s.changes.deltaRound(undefined);
      await s.expireDeltaTokens();
      await expect(s.changes.deltaRound(full.deltaLink)).rejects.toBeInstanceOf(DeltaTokenExpiredError);
    });

    it('reads manager changes and phone registrations from the audit log, tenant-wide', async () => {
      const before = new Date(Date.now() - 1_000);
      await s.setManager(ORG.alice, ORG.marcus);
      await s.registerMobile(ORG.dave, '+1 4255550177');
      const changes = await s.changes.auditChanges(before);
      expect(changes).toEqual(expect.arrayContaining([
        expect.objectContaining({ userId: ORG.alice, kind: 'manager' }),
        expect.objectContaining({ userId: ORG.dave, kind: 'phone', phoneType: 'mobile' }),
      ]));
      expect(changes.every((c) => c.at.getTime() >= before.getTime())).toBe(true);
    });
  });
}
