// The in-memory Ledger: the fake for handler tests. It passes the same conformance suite as the
// Table adapter (test/conformance.ts), including ETag semantics, so tests cannot lean on a
// behaviour Azure Tables would not give them.

import { newAuditEvent } from './audit-logic.js';
import { LeaseLostError, RequestNotFoundError } from './errors.js';
import { isLeaseFree, leaseOf } from './lease-logic.js';
import type { Ledger } from './ledger.js';
import type { AuditEvent, RequestRecord, TargetLease, TargetRecord } from './records.js';
import { applyTransition, matchesQuery, newRequestRecord, utcDay } from './request-logic.js';

interface Versioned<T> { value: T; etag: string }

export function createMemoryLedger(): Ledger {
  let version = 0;
  const nextEtag = (): string => `W/"mem-${++version}"`;
  const requests = new Map<string, RequestRecord>();
  const targets = new Map<string, Versioned<TargetRecord>>();
  const quotas = new Map<string, number>();
  const audit: AuditEvent[] = [];

  // Every read hands out a copy, so callers cannot mutate the store behind its back.
  const copy = <T>(v: T): T => structuredClone(v);

  function heldRow(lease: TargetLease): Versioned<TargetRecord> {
    const row = targets.get(lease.targetId);
    if (!row || row.etag !== lease.etag) throw new LeaseLostError(lease.targetId, lease.owner);
    return row;
  }

  return {
    async recordReceived(input) {
      await Promise.resolve();
      const existing = requests.get(input.requestId);
      if (existing) return { record: copy(existing), created: false };
      const record = newRequestRecord(input);
      requests.set(input.requestId, record);
      return { record: copy(record), created: true };
    },

    async transition(requestId, to, patch = {}, at = new Date()) {
      await Promise.resolve();
      const current = requests.get(requestId);
      if (!current) throw new RequestNotFoundError(requestId);
      const next = applyTransition(current, to, patch, at);
      requests.set(requestId, next);
      return copy(next);
    },

    async getRequest(requestId) {
      await Promise.resolve();
      const r = requests.get(requestId);
      return r ? copy(r) : null;
    },

    async listRequests(query) {
      await Promise.resolve();
      return [...requests.values()]
        .filter((r) => matchesQuery(r, query))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.requestId.localeCompare(b.requestId))
        .slice(0, query.limit)
        .map(copy);
    },

    async acquireTargetLease(targetId, owner, ttlMs, now = new Date()) {
      await Promise.resolve();
      const row = targets.get(targetId);
      const current: TargetRecord = row?.value ?? { targetId };
      if (!isLeaseFree(current, owner, now)) return null;
      const value: TargetRecord = { ...current, leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() };
      const etag = nextEtag();
      targets.set(targetId, { value, etag });
      return leaseOf(value, etag);
    },

    async renewTargetLease(lease, ttlMs, now = new Date()) {
      await Promise.resolve();
      const row = heldRow(lease);
      const value: TargetRecord = { ...row.value, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() };
      const etag = nextEtag();
      targets.set(lease.targetId, { value, etag });
      return leaseOf(value, etag);
    },

    async setCurrentTap(lease, tap) {
      await Promise.resolve();
      const row = heldRow(lease);
      const value: TargetRecord = {
        ...row.value,
        currentTapId: tap.tapId,
        currentTapExpiresAt: tap.expiresAt.toISOString(),
        currentTapRequestId: tap.requestId,
        lastIssuedAt: tap.issuedAt.toISOString(),
      };
      const etag = nextEtag();
      targets.set(lease.targetId, { value, etag });
      return leaseOf(value, etag);
    },

    async releaseTargetLease(lease) {
      await Promise.resolve();
      const row = targets.get(lease.targetId);
      if (!row || row.etag !== lease.etag) return;
      const { leaseOwner: _o, leaseExpiresAt: _e, ...rest } = row.value;
      targets.set(lease.targetId, { value: rest, etag: nextEtag() });
    },

    async getTarget(targetId) {
      await Promise.resolve();
      const row = targets.get(targetId);
      return row ? copy(row.value) : null;
    },

    async countIssuedToday(requestorId, now) {
      await Promise.resolve();
      return quotas.get(`${requestorId}|${utcDay(now)}`) ?? 0;
    },

    async incrementIssued(requestorId, now) {
      await Promise.resolve();
      const key = `${requestorId}|${utcDay(now)}`;
      const n = (quotas.get(key) ?? 0) + 1;
      quotas.set(key, n);
      return n;
    },

    async appendAudit(input) {
      await Promise.resolve();
      const event = newAuditEvent(input);
      audit.push(event);
      return copy(event);
    },

    async listAudit(query = {}) {
      await Promise.resolve();
      const since = query.since?.toISOString();
      return audit
        .filter((e) => (query.requestId === undefined || e.requestId === query.requestId) && (since === undefined || e.at >= since))
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, query.limit ?? Number.MAX_SAFE_INTEGER)
        .map(copy);
    },
  };
}
