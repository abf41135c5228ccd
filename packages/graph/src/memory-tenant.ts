import { createHash, randomInt, randomUUID } from 'node:crypto';
import { PermanentError } from '@tapline/domain';
import type { AssignmentRequestFacts, DeliveryContacts } from '@tapline/domain';
import { mailHash } from './graph-directory-changes.js';
import { contactsFrom } from './graph-directory.js';
import { DeltaTokenExpiredError } from './ports.js';
import type {
  AssignmentRequests, AuditChange, Directory, DirectoryChangeFeed, DirectoryUser, EntitlementManagement, IssuedTap, PhoneMethodType, ResumeRequest,
  TapIssuer, TapPolicy, UserDelta, UserRole,
} from './ports.js';

/**
 * The in-memory tenant: fakes of Directory, TapIssuer and EntitlementManagement over one small
 * org, with the semantics the tenant simulator (and Graph) has where tapline depends on them:
 * one TAP per user (a new one replaces the old), the secret only in the create response, policy
 * bounds enforced with a 400-equivalent (`TapPolicyRejected`), no TAP for external guests.
 * It passes the same conformance suite as the Graph adapter (`test/conformance.ts`).
 *
 * For handler tests it records every call and write, and `failNext` makes an operation throw.
 */
export interface MemoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string;
  readonly mail?: string | null;
  readonly accountEnabled?: boolean;
  readonly userType?: 'Member' | 'Guest';
  readonly isExternal?: boolean;
  readonly managerId?: string | null;
  /** Active role assignments, direct or through groups. */
  readonly activeRoles?: number;
  readonly eligibleRoles?: number;
  /** Group ids the user is in, transitively. */
  readonly groupIds?: readonly string[];
  readonly phones?: { readonly mobile?: string; readonly alternateMobile?: string; readonly office?: string };
}

export interface MemoryTenantSeed {
  readonly users: readonly MemoryUser[];
  readonly tapPolicy?: Partial<TapPolicy> & { readonly excludedGroupIds?: readonly string[] };
  /** Past manager changes (the audit log). */
  readonly managerChanges?: ReadonlyArray<{ readonly userId: string; readonly at: Date }>;
  readonly now?: () => Date;
  readonly onSecret?: (secret: string) => void;
}

export type MemoryOperation =
  | 'getUser' | 'managerChain' | 'activeRoleCount' | 'eligibleRoleCount' | 'groupMemberships'
  | 'contacts' | 'policy' | 'createTap' | 'resume' | 'getAssignmentRequest' | 'deltaRound' | 'auditChanges';

export interface MemoryTap {
  readonly id: string;
  readonly userId: string;
  readonly sha256: string;
  readonly createdDateTime: string;
  readonly lifetimeInMinutes: number;
  readonly isUsableOnce: boolean;
}

export interface MemoryTenant {
  readonly directory: Directory;
  /** users/delta rounds (`mem:<n>` tokens) and the audit log's manager, mail and phone changes. */
  readonly changes: DirectoryChangeFeed;
  readonly tapIssuer: TapIssuer;
  readonly entitlement: EntitlementManagement;
  readonly assignmentRequests: AssignmentRequests;
  /** Calls per operation, in order. */
  readonly calls: readonly MemoryOperation[];
  /** Successful writes (TAP creations and resumes), in order. */
  readonly writes: ReadonlyArray<{ readonly operation: 'createTap' | 'resume'; readonly subject: string; readonly at: string }>;
  readonly resumes: ReadonlyArray<{ readonly assignmentRequestId: string; readonly request: ResumeRequest }>;
  currentTap(userId: string): MemoryTap | undefined;
  setManager(userId: string, managerId: string | null, at?: Date): void;
  /** A phone method registered (a security-info audit entry at `at`). */
  registerPhone(userId: string, type: PhoneMethodType, number: string, at?: Date): void;
  removeUser(userId: string): void;
  /** Every delta token issued so far answers as expired. */
  expireDeltaTokens(): void;
  updateUser(userId: string, patch: Partial<Omit<MemoryUser, 'id'>>): void;
  setTapPolicy(patch: Partial<TapPolicy> & { readonly excludedGroupIds?: readonly string[] }): void;
  /**
   * Keeps an access-package assignment request as Entra would have created it. `hiddenReads`:
   * that many reads answer "not found" first (Graph's replication lag).
   */
  addAssignmentRequest(request: AssignmentRequestFacts, options?: { readonly hiddenReads?: number }): void;
  /** The next calls of `operation` throw these errors, once each, in order. */
  failNext(operation: MemoryOperation, ...errors: Error[]): void;
}

const DEFAULT_POLICY: TapPolicy = {
  state: 'enabled',
  defaultLifetimeInMinutes: 60,
  minimumLifetimeInMinutes: 60,
  maximumLifetimeInMinutes: 480,
  isUsableOnce: false,
  defaultLength: 8,
};

export function createMemoryTenant(seed: MemoryTenantSeed): MemoryTenant {
  const now = seed.now ?? (() => new Date());
  const users = new Map<string, MemoryUser>();
  for (const u of seed.users) users.set(u.id.toLowerCase(), { ...u, id: u.id.toLowerCase() });
  const managerChanges = (seed.managerChanges ?? []).map((c) => ({ userId: c.userId.toLowerCase(), at: c.at }));
  let policy: TapPolicy = { ...DEFAULT_POLICY, ...withoutExcluded(seed.tapPolicy) };
  let excludedGroupIds = (seed.tapPolicy?.excludedGroupIds ?? []).map((g) => g.toLowerCase());
  const taps = new Map<string, MemoryTap>();
  const calls: MemoryOperation[] = [];
  const writes: Array<{ operation: 'createTap' | 'resume'; subject: string; at: string }> = [];
  const resumes: Array<{ assignmentRequestId: string; request: ResumeRequest }> = [];
  const failures = new Map<MemoryOperation, Error[]>();
  const requests = new Map<string, { facts: AssignmentRequestFacts; hiddenReads: number }>();
  // users/delta: every mutation numbered; a token is the number a round ended at.
  let seq = 0;
  let tokensValidFrom = 0;
  const changedAt = new Map<string, number>();
  const managerTouchedAt = new Map<string, number>();
  const removed = new Set<string>();
  const otherChanges: AuditChange[] = [];
  const touch = (userId: string, manager = false) => {
    seq += 1;
    changedAt.set(userId, seq);
    if (manager) managerTouchedAt.set(userId, seq);
  };

  /** Every operation starts here: record, yield (as I/O would), maybe fail. */
  async function enter(operation: MemoryOperation): Promise<void> {
    calls.push(operation);
    await Promise.resolve();
    const failure = failures.get(operation)?.shift();
    if (failure) throw failure;
  }

  function find(idOrUpn: string): MemoryUser | undefined {
    const key = idOrUpn.toLowerCase();
    return users.get(key) ?? [...users.values()].find((u) => u.userPrincipalName.toLowerCase() === key);
  }

  function require(idOrUpn: string, role: UserRole): MemoryUser {
    const user = find(idOrUpn);
    if (!user) throw new PermanentError(role === 'target' ? 'TargetNotFound' : 'RequestorNotFound', `user ${idOrUpn} not found`);
    return user;
  }

  const directory: Directory = {
    async getUser(idOrUpn, role) {
      await enter('getUser');
      return toDirectoryUser(require(idOrUpn, role));
    },
    async managerChain(userId, depth) {
      await enter('managerChain');
      const chain: string[] = [];
      let current = find(userId);
      for (let level = 0; level < depth && current?.managerId; level++) {
        const managerId = current.managerId.toLowerCase();
        if (chain.includes(managerId)) break;
        chain.push(managerId);
        current = find(managerId);
      }
      return chain;
    },
    async activeRoleCount(userId) {
      await enter('activeRoleCount');
      return require(userId, 'target').activeRoles ?? 0;
    },
    async eligibleRoleCount(userId) {
      await enter('eligibleRoleCount');
      return find(userId)?.eligibleRoles ?? 0;
    },
    async groupMemberships(userId, groupIds) {
      await enter('groupMemberships');
      if (groupIds.length === 0) return [];
      const mine = new Set((require(userId, 'target').groupIds ?? []).map((g) => g.toLowerCase()));
      return [...new Set(groupIds.map((g) => g.toLowerCase()).filter((g) => mine.has(g)))];
    },
    async contacts(userId, role, options = {}): Promise<DeliveryContacts> {
      await enter('contacts');
      const u = require(userId, role);
      const phones = (['mobile', 'alternateMobile', 'office'] as const)
        .filter((t) => u.phones?.[t] !== undefined && !(options.excludePhoneTypes ?? []).includes(t))
        .map((t) => ({ phoneType: t, phoneNumber: u.phones![t]! }));
      return contactsFrom({ displayName: u.displayName ?? null, mail: options.excludeMail === true ? null : u.mail ?? null }, phones);
    },
  };

  const tapIssuer: TapIssuer = {
    async policy() {
      await enter('policy');
      return { ...policy };
    },
    async create(userId, request): Promise<IssuedTap> {
      await enter('createTap');
      const user = require(userId, 'target');
      const refuse = (why: string) => new PermanentError('TapPolicyRejected', `createTap: ${why}`);
      if (policy.state !== 'enabled' || (user.groupIds ?? []).some((g) => excludedGroupIds.includes(g.toLowerCase()))) {
        throw refuse('the authentication methods policy does not allow a TAP for this user');
      }
      if (user.isExternal === true) throw refuse('a TAP cannot be added to an external guest user');
      if (!Number.isInteger(request.lifetimeMinutes) || request.lifetimeMinutes < policy.minimumLifetimeInMinutes || request.lifetimeMinutes > policy.maximumLifetimeInMinutes) {
        throw refuse(`lifetime outside ${policy.minimumLifetimeInMinutes}..${policy.maximumLifetimeInMinutes}`);
      }
      if (policy.isUsableOnce && !request.isUsableOnce) throw refuse('the policy only allows one-time TAPs');
      const secret = generateSecret(policy.defaultLength);
      seed.onSecret?.(secret);
      const at = now().toISOString();
      const tap: MemoryTap = {
        id: randomUUID(),
        userId: user.id,
        sha256: createHash('sha256').update(secret, 'utf8').digest('hex'),
        createdDateTime: at,
        lifetimeInMinutes: request.lifetimeMinutes,
        isUsableOnce: policy.isUsableOnce || request.isUsableOnce,
      };
      taps.set(user.id, tap);
      writes.push({ operation: 'createTap', subject: user.id, at });
      return { id: tap.id, secret, createdDateTime: at, startDateTime: at, lifetimeInMinutes: tap.lifetimeInMinutes, isUsableOnce: tap.isUsableOnce };
    },
  };

  const entitlement: EntitlementManagement = {
    async resume(assignmentRequestId, request) {
      await enter('resume');
      resumes.push({ assignmentRequestId, request: { ...request } });
      writes.push({ operation: 'resume', subject: assignmentRequestId, at: now().toISOString() });
    },
  };

  const assignmentRequests: AssignmentRequests = {
    async get(assignmentRequestId) {
      await enter('getAssignmentRequest');
      const stored = requests.get(assignmentRequestId.toLowerCase());
      if (stored === undefined) return undefined;
      if (stored.hiddenReads > 0) {
        stored.hiddenReads--;
        return undefined;
      }
      return { ...stored.facts, calloutInstanceIds: [...stored.facts.calloutInstanceIds] };
    },
  };

  const changes: DirectoryChangeFeed = {
    async deltaRound(deltaLink) {
      await enter('deltaRound');
      const from = deltaLink === undefined ? -1 : Number(/^mem:(\d+)$/.exec(deltaLink)?.[1] ?? Number.NaN);
      if (deltaLink !== undefined && !(from >= tokensValidFrom)) throw new DeltaTokenExpiredError();
      const fullSync = from < 0;
      const out: UserDelta[] = [];
      const ids = fullSync ? [...users.keys()] : [...changedAt.entries()].filter(([, n]) => n > from).map(([id]) => id);
      for (const id of ids.sort()) {
        const u = users.get(id);
        if (!u || removed.has(id)) {
          if (!fullSync) out.push({ id, removed: true });
          continue;
        }
        const managerReported = fullSync || (managerTouchedAt.get(id) ?? -1) > from;
        out.push({
          id, removed: false, mailHash: mailHash(u.mail), accountEnabled: u.accountEnabled ?? true, userType: u.userType ?? 'Member',
          ...(managerReported && { managerId: u.managerId?.toLowerCase() ?? null }),
        });
      }
      return { users: out, deltaLink: `mem:${seq}`, fullSync, pages: 1 };
    },
    async auditChanges(since) {
      await enter('auditChanges');
      return [
        ...managerChanges.map((c) => ({ userId: c.userId, at: c.at, kind: 'manager' as const })),
        ...otherChanges,
      ].filter((c) => c.at.getTime() >= since.getTime());
    },
  };

  return {
    directory,
    changes,
    tapIssuer,
    entitlement,
    assignmentRequests,
    addAssignmentRequest(request, options = {}) {
      requests.set(request.id.toLowerCase(), { facts: { ...request, id: request.id.toLowerCase() }, hiddenReads: options.hiddenReads ?? 0 });
    },
    calls,
    writes,
    resumes,
    currentTap: (userId) => taps.get(userId.toLowerCase()),
    setManager(userId, managerId, at = now()) {
      const user = require(userId, 'target');
      users.set(user.id, { ...user, managerId: managerId?.toLowerCase() ?? null });
      managerChanges.push({ userId: user.id, at });
      touch(user.id, true);
    },
    registerPhone(userId, type, number, at = now()) {
      const user = require(userId, 'target');
      users.set(user.id, { ...user, phones: { ...user.phones, [type]: number } });
      otherChanges.push({ userId: user.id, at, kind: 'phone', phoneType: type });
    },
    removeUser(userId) {
      const user = require(userId, 'target');
      removed.add(user.id);
      users.delete(user.id);
      touch(user.id);
    },
    expireDeltaTokens() {
      tokensValidFrom = seq + 1;
    },
    updateUser(userId, patch) {
      const user = require(userId, 'target');
      users.set(user.id, { ...user, ...patch, id: user.id });
      if ('mail' in patch && patch.mail !== user.mail) otherChanges.push({ userId: user.id, at: now(), kind: 'mail' });
      touch(user.id, 'managerId' in patch);
    },
    setTapPolicy(patch) {
      policy = { ...policy, ...withoutExcluded(patch) };
      if (patch.excludedGroupIds) excludedGroupIds = patch.excludedGroupIds.map((g) => g.toLowerCase());
    },
    failNext(operation, ...errors) {
      failures.set(operation, [...(failures.get(operation) ?? []), ...errors]);
    },
  };
}

function withoutExcluded(p: (Partial<TapPolicy> & { readonly excludedGroupIds?: readonly string[] }) | undefined): Partial<TapPolicy> {
  if (!p) return {};
  const { excludedGroupIds: _ignored, ...rest } = p;
  return rest;
}

function toDirectoryUser(u: MemoryUser): DirectoryUser {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName ?? null,
    mail: u.mail ?? null,
    accountEnabled: u.accountEnabled ?? true,
    userType: u.userType ?? 'Member',
    isExternal: u.isExternal ?? false,
  };
}

// Same character classes as Entra's passes (and the simulator's), so redaction by shape applies.
const CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#$%&*+=?@'];

function generateSecret(length: number): string {
  const all = CLASSES.join('');
  const chars = CLASSES.map((c) => c[randomInt(c.length)]!);
  while (chars.length < Math.max(8, length)) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
