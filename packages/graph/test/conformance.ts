// The behaviour every Directory / TapIssuer implementation must share, run against the in-memory
// tenant and against the Graph adapter talking to the tenant simulator, both holding the demo org.
// A fake that drifts from the adapter fails here first.

import { createHash, randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { isPermanent } from '@tapline/domain';
import type { AssignmentRequests, Directory, TapIssuer, TapPolicy } from '@tapline/graph';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { ORG } from './org.js';

export interface ConformanceSubject {
  readonly directory: Directory;
  readonly tapIssuer: TapIssuer;
  /** SHA-256 (hex) of the user's current TAP secret as the tenant knows it. */
  currentTapSha256(userId: string): Promise<string | undefined>;
  setTapPolicy(patch: Partial<TapPolicy>): Promise<void>;
  readonly assignmentRequests: AssignmentRequests;
  /** What Entra does when a manager submits a request and the extension is called at the approved stage. */
  createRequest(input: { id: string; requestor: string; target: string; stageInstanceId: string; accessPackageId: string }): Promise<void>;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isPermanent(err)) return err.reason;
    throw err;
  }
  throw new Error('expected a PermanentError');
}

export function directoryConformance(name: string, setup: () => Promise<ConformanceSubject>): void {
  describe(`Directory and TapIssuer conformance: ${name}`, () => {
    let s: ConformanceSubject;
    beforeEach(async () => {
      s = await setup();
    });

    it('reads an enabled member with its mail', async () => {
      const alice = await s.directory.getUser(ORG.alice, 'target');
      expect(alice).toMatchObject({ id: ORG.alice, accountEnabled: true, userType: 'Member', isExternal: false, mail: 'alice.novak@contoso.example' });
      expect(alice.userPrincipalName).toBe('alice.novak@contoso.onmicrosoft.com');
    });

    it('finds a user by UPN, an external guest by its #EXT# UPN', async () => {
      expect((await s.directory.getUser('alice.novak@contoso.onmicrosoft.com', 'target')).id).toBe(ORG.alice);
      expect(await s.directory.getUser('ivan.petrov_fabrikam.example#EXT#@contoso.onmicrosoft.com', 'target')).toMatchObject({ id: ORG.ivan, userType: 'Guest', isExternal: true });
    });

    it('tells an internal guest from an external one, and sees a disabled account', async () => {
      expect(await s.directory.getUser(ORG.judy, 'target')).toMatchObject({ userType: 'Guest', isExternal: false });
      expect(await s.directory.getUser(ORG.henry, 'target')).toMatchObject({ accountEnabled: false });
    });

    it('names the missing user by the role it was looked up for', async () => {
      expect(await reasonOf(s.directory.getUser(ORG.unknown, 'target'))).toBe('TargetNotFound');
      expect(await reasonOf(s.directory.getUser(ORG.unknown, 'requestor'))).toBe('RequestorNotFound');
    });

    it('walks the manager chain to the requested depth and stops where it ends', async () => {
      expect(await s.directory.managerChain(ORG.alice, 1)).toEqual([ORG.ben]);
      expect(await s.directory.managerChain(ORG.alice, 3)).toEqual([ORG.ben, ORG.marcus, ORG.olivia]);
      expect(await s.directory.managerChain(ORG.olivia, 2)).toEqual([]);
      expect(await s.directory.managerChain(ORG.breakGlass, 1)).toEqual([]);
    });

    it('counts active roles, direct and through a group, and PIM eligibility', async () => {
      expect(await s.directory.activeRoleCount(ORG.alice)).toBe(0);
      expect(await s.directory.activeRoleCount(ORG.erin)).toBe(1);
      expect(await s.directory.activeRoleCount(ORG.frank)).toBe(1);
      expect(await s.directory.activeRoleCount(ORG.breakGlass)).toBe(1);
      expect(await s.directory.eligibleRoleCount(ORG.grace)).toBe(1);
      expect(await s.directory.eligibleRoleCount(ORG.alice)).toBe(0);
      expect(await s.directory.activeRoleCount(ORG.grace)).toBe(0);
    });

    it('reports membership of the asked groups only, nested membership included', async () => {
      expect(await s.directory.groupMemberships(ORG.paul, [ORG.tier0Group])).toEqual([ORG.tier0Group]);
      expect((await s.directory.groupMemberships(ORG.paul, [ORG.tier0Group, ORG.allEngineering])).sort()).toEqual([ORG.tier0Group, ORG.allEngineering].sort());
      expect(await s.directory.groupMemberships(ORG.alice, [ORG.tier0Group])).toEqual([]);
      expect(await s.directory.groupMemberships(ORG.alice, [])).toEqual([]);
    });

    it('reads SMS-capable phones (never the office line) and mail from the directory', async () => {
      expect(await s.directory.contacts(ORG.alice, 'target')).toMatchObject({ mobilePhones: ['+1 4255550110'], emails: ['alice.novak@contoso.example'] });
      expect(await s.directory.contacts(ORG.dave, 'target')).toMatchObject({ mobilePhones: ['+1 4255550112'] });
      expect(await s.directory.contacts(ORG.kim, 'target')).toMatchObject({ mobilePhones: [], emails: ['kim.nguyen@contoso.example'] });
      expect(await s.directory.contacts(ORG.leo, 'target')).toMatchObject({ mobilePhones: [], emails: [] });
      expect(await reasonOf(s.directory.contacts(ORG.unknown, 'requestor'))).toBe('RequestorNotFound');
    });

    it('reads the TAP policy bounds', async () => {
      expect(await s.tapIssuer.policy()).toMatchObject({
        state: 'enabled', minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, isUsableOnce: false,
      });
    });

    it('creates a TAP whose secret is the one the tenant holds, and a second one replaces it', async () => {
      const first = await s.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true });
      expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(first.secret.length).toBeGreaterThanOrEqual(8);
      expect(first).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: true });
      expect(Date.parse(first.startDateTime)).not.toBeNaN();
      expect(await s.currentTapSha256(ORG.alice)).toBe(sha256(first.secret));
      const second = await s.tapIssuer.create(ORG.alice, { lifetimeMinutes: 120, isUsableOnce: false });
      expect(second.id).not.toBe(first.id);
      expect(await s.currentTapSha256(ORG.alice)).toBe(sha256(second.secret));
    });

    it('rejects a TAP outside the policy, for an external guest, or under a disabled policy', async () => {
      expect(await reasonOf(s.tapIssuer.create(ORG.bob, { lifetimeMinutes: 30, isUsableOnce: true }))).toBe('TapPolicyRejected');
      expect(await reasonOf(s.tapIssuer.create(ORG.bob, { lifetimeMinutes: 481, isUsableOnce: true }))).toBe('TapPolicyRejected');
      expect(await reasonOf(s.tapIssuer.create(ORG.ivan, { lifetimeMinutes: 60, isUsableOnce: true }))).toBe('TapPolicyRejected');
      expect(await s.currentTapSha256(ORG.bob)).toBeUndefined();
      await s.setTapPolicy({ state: 'disabled' });
      expect(await reasonOf(s.tapIssuer.create(ORG.bob, { lifetimeMinutes: 60, isUsableOnce: true }))).toBe('TapPolicyRejected');
      expect(await s.currentTapSha256(ORG.bob)).toBeUndefined();
    });

    it('refuses a TAP for a user that does not exist', async () => {
      expect(await reasonOf(s.tapIssuer.create(ORG.unknown, { lifetimeMinutes: 60, isUsableOnce: true }))).toBe('TargetNotFound');
    });

    it('reads an access-package assignment request as Entra created it, and nothing for an id it never saw', async () => {
      const id = randomUUID();
      const stageInstanceId = randomUUID();
      await s.createRequest({ id, requestor: ORG.ben, target: ORG.alice, stageInstanceId, accessPackageId: DEMO.tapAccessPackage.id });
      expect(await s.assignmentRequests.get(id.toUpperCase())).toEqual({
        id, state: 'pendingApproval', requestorObjectId: ORG.ben, targetObjectId: ORG.alice, accessPackageId: DEMO.tapAccessPackage.id, calloutInstanceIds: [stageInstanceId],
      });
      expect(await s.assignmentRequests.get(randomUUID())).toBeUndefined();
    });
  });
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
