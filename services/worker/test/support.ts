// Handler tests run the real handler against in-memory fakes of every port: the in-memory tenant
// (Directory, TapIssuer), the in-memory ledger, an in-memory queue sender, a real key ring.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_ELIGIBILITY_POLICY, DEFAULT_RETRY_SCHEDULE, SCHEMA_VERSION, STATES_AT_STAGE, decodeDeliveryContacts, decodeTapOutcome, sealingAad } from '@tapline/domain';
import type { AssignmentRequestFacts, EligibilityPolicy, TapDeliveryMessage, TapDenialMessage, TapOutcomeMessage, TapRequestMessage } from '@tapline/domain';
import { createMemoryTenant } from '@tapline/graph';
import type { MemoryTenant, MemoryTenantSeed, MemoryUser } from '@tapline/graph';
import { createMemoryLedger, createMemoryWatchStore } from '@tapline/ledger';
import type { Ledger } from '@tapline/ledger';
import { createMemorySender, silentLogger } from '@tapline/messaging';
import type { HandlerContext, MemorySender, Outcome } from '@tapline/messaging';
import { createKeyRing } from '@tapline/sealing';
import type { KeyRing } from '@tapline/sealing';
import { createAuditFeed, createDirectoryWatch, createMetrics, createRequestHandler } from '@tapline/worker';
import type { CrashHook, HistorySettings, WorkerDeps, WorkerMetrics, WorkerSettings } from '@tapline/worker';

/** A small org with one user per row of the policy matrix. */
export const U = {
  director: 'aaaaaaaa-0000-4000-8000-000000000001',
  manager: 'aaaaaaaa-0000-4000-8000-000000000002',
  otherManager: 'aaaaaaaa-0000-4000-8000-000000000003',
  alice: 'aaaaaaaa-0000-4000-8000-000000000010',
  bob: 'aaaaaaaa-0000-4000-8000-000000000011',
  carol: 'aaaaaaaa-0000-4000-8000-000000000012',
  adminByRole: 'aaaaaaaa-0000-4000-8000-000000000020',
  adminByGroup: 'aaaaaaaa-0000-4000-8000-000000000021',
  pimEligible: 'aaaaaaaa-0000-4000-8000-000000000022',
  tier0: 'aaaaaaaa-0000-4000-8000-000000000023',
  guest: 'aaaaaaaa-0000-4000-8000-000000000024',
  external: 'aaaaaaaa-0000-4000-8000-000000000025',
  disabled: 'aaaaaaaa-0000-4000-8000-000000000026',
  movedRecently: 'aaaaaaaa-0000-4000-8000-000000000027',
  noContact: 'aaaaaaaa-0000-4000-8000-000000000028',
  unknown: 'aaaaaaaa-0000-4000-8000-0000000000ff',
  tier0Group: 'bbbbbbbb-0000-4000-8000-000000000001',
  /** The access package this deployment serves, and one it does not. */
  servedPackage: 'cccccccc-0000-4000-8000-000000000001',
  otherPackage: 'cccccccc-0000-4000-8000-000000000002',
} as const;

function report(id: string, name: string, extra: Partial<MemoryUser> = {}): MemoryUser {
  return {
    id,
    userPrincipalName: `${name}@contoso.example`,
    displayName: name,
    mail: `${name}@contoso.example`,
    managerId: U.manager,
    phones: { mobile: '+1 4255550100' },
    ...extra,
  };
}

export function orgSeed(now: () => Date): MemoryTenantSeed {
  return {
    now,
    users: [
      { id: U.director, userPrincipalName: 'director@contoso.example', displayName: 'Director', mail: 'director@contoso.example' },
      { id: U.manager, userPrincipalName: 'manager@contoso.example', displayName: 'Manager', mail: 'manager@contoso.example', managerId: U.director },
      { id: U.otherManager, userPrincipalName: 'other@contoso.example', displayName: 'Other', mail: 'other@contoso.example', managerId: U.director },
      report(U.alice, 'alice', { phones: { mobile: '+1 4255550110', office: '+1 4255550111x12' } }),
      report(U.bob, 'bob'),
      report(U.carol, 'carol'),
      report(U.adminByRole, 'erin', { activeRoles: 1 }),
      // Roles held through a role-assignable group: Graph's transitiveRoleAssignments counts them.
      report(U.adminByGroup, 'frank', { activeRoles: 1, groupIds: ['cccccccc-0000-4000-8000-000000000001'] }),
      report(U.pimEligible, 'grace', { eligibleRoles: 1 }),
      report(U.tier0, 'paul', { groupIds: [U.tier0Group] }),
      report(U.guest, 'judy', { userType: 'Guest' }),
      report(U.external, 'ivan', { userType: 'Guest', isExternal: true }),
      report(U.disabled, 'henry', { accountEnabled: false }),
      report(U.movedRecently, 'nina'),
      report(U.noContact, 'leo', { mail: null, phones: {} }),
    ],
    managerChanges: [{ userId: U.movedRecently, at: new Date(now().getTime() - 60 * 60_000) }],
  };
}

export interface Harness {
  readonly tenant: MemoryTenant;
  readonly ledger: Ledger;
  readonly deliveries: MemorySender;
  readonly keyRing: KeyRing;
  readonly metrics: WorkerMetrics;
  readonly deps: WorkerDeps;
  readonly secrets: string[];
  /**
   * Runs the handler once for the message (one broker delivery). The first delivery of a request
   * id first keeps the assignment request in the tenant as Entra would have created it (the
   * message's requestor, target and stage instance, the served package), unless `entra(msg, ...)`
   * kept another version of it first or `unknownToGraph` is set.
   */
  deliver(msg: TapRequestMessage, options?: { attempt?: number; crash?: CrashHook; signal?: AbortSignal; unknownToGraph?: boolean }): Promise<Outcome>;
  /** Keeps the assignment request as Entra would have created it for `msg`, with `facts` instead where given. */
  entra(msg: TapRequestMessage, facts?: Partial<AssignmentRequestFacts>, options?: { hiddenReads?: number }): void;
  /** Decoded outcome messages published so far. */
  outcomes(): TapOutcomeMessage[];
  openSecret(d: TapDeliveryMessage): string;
  openContacts(d: TapDeliveryMessage | TapDenialMessage): ReturnType<typeof decodeDeliveryContacts>;
  advance(ms: number): void;
}

export interface HarnessOptions {
  readonly eligibility?: Partial<EligibilityPolicy>;
  readonly settings?: Partial<WorkerSettings>;
  readonly seed?: (now: () => Date) => MemoryTenantSeed;
  /** The quarantine's settings (default: no audit ingestion delay, so the watch is trusted at once). */
  readonly history?: Partial<HistorySettings>;
}

export function harness(options: HarnessOptions = {}): Harness {
  let clock = Date.parse('2026-11-25T10:00:00Z');
  const now = () => new Date(clock);
  const secrets: string[] = [];
  const tenant = createMemoryTenant({ ...(options.seed ?? orgSeed)(now), onSecret: (s) => secrets.push(s) });
  const ledger = createMemoryLedger();
  const deliveries = createMemorySender('tap-deliveries');
  const keyRing = createKeyRing({ activeKid: 'k1', keys: { k1: randomBytes(32) } });
  const metrics = createMetrics();
  const settings: WorkerSettings = {
    eligibility: { ...DEFAULT_ELIGIBILITY_POLICY, excludedGroupIds: [U.tier0Group], servedAccessPackageIds: [U.servedPackage], ...options.eligibility },
    tapLifetimeMinutes: 60,
    tapIsUsableOnce: true,
    leaseTtlMs: 60_000,
    retrySchedule: DEFAULT_RETRY_SCHEDULE,
    requestLookup: { attempts: 3, delayMs: 1 },
    inProcessRetryBudgetMs: 2_000,
    inProcessBaseDelayMs: 5,
    inProcessMaxDelayMs: 50,
    requestsQueue: 'tap-requests',
    deliveriesQueue: 'tap-deliveries',
    ...options.settings,
  };
  // The directory watch over the tenant's users/delta, run on demand (no loop); the audit log has no
  // ingestion delay here, so the watch is trusted right after its first round.
  const quarantineMs = settings.eligibility.managerChangeQuarantineHours * 3_600_000;
  const watchStore = createMemoryWatchStore();
  const watch = createDirectoryWatch({
    store: watchStore, feed: tenant.changes, owner: 'harness', competes: true, log: silentLogger,
    settings: { pollIntervalMs: 30_000, leaseTtlMs: 86_400_000, tickMs: 10 }, now,
  });
  const base: Omit<WorkerDeps, 'crash'> = {
    directory: tenant.directory,
    assignmentRequests: tenant.assignmentRequests,
    history: {
      watch,
      store: watchStore,
      audit: createAuditFeed(tenant.changes, { refreshMs: 60_000, quarantineMs, latencyMs: options.history?.auditLatencyMs ?? 0 }, now),
      settings: { quarantineMs, auditLatencyMs: 0, freshnessMs: 5_000, waitMs: 1_000, ...options.history },
    },
    tapIssuer: tenant.tapIssuer,
    ledger,
    deliveries,
    sealer: keyRing,
    metrics,
    settings,
    onSecret: () => undefined,
    now,
    random: () => 0.5,
  };
  const known = new Set<string>();
  const entra: Harness['entra'] = (msg, facts = {}, o = {}) => {
    known.add(msg.requestId);
    tenant.addAssignmentRequest({ ...entraFacts(msg), ...facts }, o);
  };
  return {
    tenant, ledger, deliveries, keyRing, metrics, secrets, entra,
    deps: { ...base, crash: () => undefined },
    async deliver(msg, o = {}) {
      if (!known.has(msg.requestId) && o.unknownToGraph !== true) entra(msg);
      const handle = createRequestHandler({ ...base, crash: o.crash ?? (() => undefined) });
      const ctx: HandlerContext = {
        logger: silentLogger,
        attempt: o.attempt ?? 1,
        message: { messageId: msg.stageInstanceId, body: msg, applicationProperties: {}, deliveryCount: 0 },
        signal: o.signal ?? new AbortController().signal,
      };
      return handle({ ok: true, message: msg }, ctx);
    },
    outcomes() {
      return deliveries.sent.map((m) => {
        const decoded = decodeTapOutcome(m.body);
        if (!decoded.ok) throw new Error(`published an invalid outcome: ${decoded.error.field} ${decoded.error.message}`);
        return decoded.message;
      });
    },
    openSecret: (d) => keyRing.open(d.sealedSecret, sealingAad(d.requestId, d.tapId, 'secret')),
    openContacts: (d) => decodeDeliveryContacts(keyRing.open(d.sealedContacts, sealingAad(d.requestId, d.kind === 'delivery' ? d.tapId : null, 'contacts'))),
    advance(ms) {
      clock += ms;
    },
  };
}

/** The assignment request Entra creates before it calls out for `msg`. */
export function entraFacts(msg: TapRequestMessage): AssignmentRequestFacts {
  return {
    id: msg.requestId,
    state: STATES_AT_STAGE[msg.stage][0]!,
    requestorObjectId: msg.requestorId,
    targetObjectId: msg.targetId,
    accessPackageId: U.servedPackage,
    calloutInstanceIds: [msg.stageInstanceId],
  };
}

export function request(targetId: string, requestorId: string = U.manager, extra: Partial<TapRequestMessage> = {}): TapRequestMessage {
  const stageInstanceId = randomUUID();
  return {
    schemaVersion: SCHEMA_VERSION,
    requestId: randomUUID(),
    stageInstanceId,
    stage: 'assignmentRequestApproved',
    requestType: 'onBehalfAdd',
    requestorId,
    targetId,
    accessPackageId: randomUUID(),
    callback: {
      uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${randomUUID()}/resume`,
      stage: 'assignmentRequestApproved',
      stageInstanceId,
    },
    receivedAt: '2026-11-25T09:59:59Z',
    attempt: 1,
    ...extra,
  };
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** A crash hook that stops the handler at `point` by throwing (a stand-in for SIGKILL in unit tests). */
export function crashAt(point: string): CrashHook {
  return (p) => {
    if (p === point) throw new SimulatedCrash(point);
  };
}
