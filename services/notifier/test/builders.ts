// Test-data builders: sealed delivery and denial messages exactly as the worker would publish
// them (through the domain's encoder), a ledger seeded to "issued", and a handler wired to fakes.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DEFAULT_RETRY_SCHEDULE, decodeTapOutcome, encodeDeliveryContacts, encodeTapOutcome, referenceIdFor, sealingAad,
  type CallbackRef, type DeliveryContacts, type ReportedReason, type TapDeliveryMessage, type TapDenialMessage,
} from '@tapline/domain';
import type { Ledger } from '@tapline/ledger';
import type { HandlerContext, Outcome } from '@tapline/messaging';
import { createKeyRing, type KeyRing } from '@tapline/sealing';
import { noCrash, type CrashHook } from '../src/crash-hook.js';
import { createHandler, type HandlerDeps } from '../src/handler.js';
import { createMetrics, type NotifierMetrics } from '../src/metrics.js';
import type { Channel } from '../src/channel-plan.js';
import { FakeEmail, FakeEntra, FakeManagers, FakeSms, Inbox, createMemoryLedger, silentLogger } from './fakes.js';

export const testKeyRing = (): KeyRing => createKeyRing({ activeKid: 'test-1', keys: { 'test-1': randomBytes(32).toString('base64') } });

export const T0 = new Date('2026-11-25T10:00:00.000Z');

export interface DeliveryInput {
  readonly requestId?: string;
  readonly tapId?: string;
  readonly targetId?: string;
  readonly requestorId?: string;
  readonly secret?: string;
  readonly contacts?: DeliveryContacts;
  readonly issuedAt?: Date;
  readonly lifetimeMinutes?: number;
  readonly callback?: CallbackRef;
}

export function callbackFor(requestId: string, stage: CallbackRef['stage'] = 'assignmentRequestApproved'): CallbackRef {
  return {
    uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${requestId}/resume`,
    stage,
    stageInstanceId: randomUUID(),
  };
}

export function aDelivery(ring: KeyRing, input: DeliveryInput = {}): TapDeliveryMessage {
  const requestId = input.requestId ?? randomUUID();
  const tapId = input.tapId ?? randomUUID();
  const issuedAt = input.issuedAt ?? T0;
  const lifetimeMinutes = input.lifetimeMinutes ?? 60;
  const contacts: DeliveryContacts = input.contacts ?? { mobilePhones: ['+1 5555550142'], emails: ['bob@contoso.example'], displayName: 'Bob' };
  const body = encodeTapOutcome({
    kind: 'delivery',
    schemaVersion: 1,
    requestId,
    tapId,
    targetId: input.targetId ?? randomUUID(),
    requestorId: input.requestorId ?? randomUUID(),
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + lifetimeMinutes * 60_000).toISOString(),
    lifetimeMinutes,
    isUsableOnce: true,
    sealedSecret: ring.seal(input.secret ?? 'Xk7#pQ2!mW9z', sealingAad(requestId, tapId, 'secret')),
    sealedContacts: ring.seal(encodeDeliveryContacts(contacts), sealingAad(requestId, tapId, 'contacts')),
    ...(input.callback !== undefined && { callback: input.callback }),
    attempt: 1,
  });
  const decoded = decodeTapOutcome(body);
  if (!decoded.ok || decoded.message.kind !== 'delivery') throw new Error('builder produced an invalid delivery');
  return decoded.message;
}

export function aDenial(ring: KeyRing, input: { requestId?: string; reasons?: ReportedReason[]; managerContacts?: DeliveryContacts; callback?: CallbackRef } = {}): TapDenialMessage {
  const requestId = input.requestId ?? randomUUID();
  const contacts = input.managerContacts ?? { mobilePhones: [], emails: ['alice.manager@contoso.example'] };
  const body = encodeTapOutcome({
    kind: 'denial',
    schemaVersion: 1,
    requestId,
    referenceId: referenceIdFor(requestId),
    targetId: randomUUID(),
    requestorId: randomUUID(),
    reasons: input.reasons ?? ['TargetPrivilegedRole'],
    sealedContacts: ring.seal(encodeDeliveryContacts(contacts), sealingAad(requestId, null, 'contacts')),
    ...(input.callback !== undefined && { callback: input.callback }),
    decidedAt: T0.toISOString(),
    attempt: 1,
  });
  const decoded = decodeTapOutcome(body);
  if (!decoded.ok || decoded.message.kind !== 'denial') throw new Error('builder produced an invalid denial');
  return decoded.message;
}

/** The ledger as the worker leaves it before publishing: request issued, TAP current for the target. */
export async function seedIssued(ledger: Ledger, d: TapDeliveryMessage, currentTapId: string = d.tapId): Promise<void> {
  const at = new Date(d.issuedAt);
  await ledger.recordReceived({ requestId: d.requestId, targetId: d.targetId, requestorId: d.requestorId, referenceId: referenceIdFor(d.requestId), at });
  await ledger.transition(d.requestId, 'issuing', {}, at);
  const lease = await ledger.acquireTargetLease(d.targetId, 'worker-test', 60_000, at);
  if (lease === null) throw new Error('could not take the target lease');
  const held = await ledger.setCurrentTap(lease, { tapId: currentTapId, requestId: d.requestId, issuedAt: at, expiresAt: new Date(d.expiresAt) });
  await ledger.releaseTargetLease(held);
  await ledger.transition(d.requestId, 'issued', { tapId: d.tapId, tapExpiresAt: new Date(d.expiresAt) }, at);
}

export async function seedDenied(ledger: Ledger, d: TapDenialMessage): Promise<void> {
  const at = new Date(d.decidedAt);
  await ledger.recordReceived({ requestId: d.requestId, targetId: d.targetId, requestorId: d.requestorId, referenceId: d.referenceId, at });
  await ledger.transition(d.requestId, 'denied', { reasons: d.reasons }, at);
}

export interface Harness {
  readonly ring: KeyRing;
  readonly ledger: Ledger;
  readonly inbox: Inbox;
  readonly sms: FakeSms;
  readonly email: FakeEmail;
  readonly entra: FakeEntra;
  readonly managers: FakeManagers;
  readonly secrets: string[];
  readonly metrics: NotifierMetrics;
  clock: Date;
  /** What the email gate would make a notice wait right now. */
  emailBacklogMs: number;
  deps: HandlerDeps;
  handle(message: TapDeliveryMessage | TapDenialMessage, attempt?: number): Promise<Outcome>;
}

export function harness(options: { channelOrder?: Channel[]; managerNotices?: boolean; crash?: CrashHook; expirySafetyMarginMs?: number } = {}): Harness {
  const ring = testKeyRing();
  const ledger = createMemoryLedger();
  const inbox = new Inbox();
  const sms = new FakeSms(inbox);
  const email = new FakeEmail(inbox);
  const entra = new FakeEntra();
  const managers = new FakeManagers();
  const secrets: string[] = [];
  const metrics = createMetrics();
  const h: Harness = {
    ring, ledger, inbox, sms, email, entra, managers, secrets, metrics,
    clock: new Date(T0.getTime() + 60_000),
    emailBacklogMs: 0,
    deps: undefined as unknown as HandlerDeps,
    async handle(message, attempt = 1) {
      const handler = createHandler(h.deps);
      const ctx: HandlerContext = {
        logger: silentLogger,
        attempt,
        signal: new AbortController().signal,
        message: { messageId: `m-${message.requestId}`, body: message, applicationProperties: {}, deliveryCount: 0 },
      };
      return handler({ ok: true, message }, ctx);
    },
  };
  h.deps = {
    ledger, opener: ring, sms, email, entra, managers,
    now: () => h.clock,
    managerNotices: options.managerNotices ?? true,
    emailBacklogMs: () => h.emailBacklogMs,
    noticeMaxWaitMs: 2_000,
    canDeferNotice: true,
    policy: {
      channelOrder: options.channelOrder ?? ['sms', 'email'],
      expirySafetyMarginMs: options.expirySafetyMarginMs ?? 120_000,
      smsRepeatabilityWindowMs: 300_000,
    },
    registerSecret: (s) => secrets.push(s),
    crash: options.crash ?? noCrash,
    retrySchedule: DEFAULT_RETRY_SCHEDULE,
    random: () => 0.5,
    queue: 'tap-deliveries',
    metrics,
  };
  return h;
}
