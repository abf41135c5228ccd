// A request's timeline as an operator reads it: the status steps of its ledger row and its audit
// events, in time order. Secrets and contacts are never in the ledger, but everything shown is
// passed through the domain's scrubber anyway: a bug upstream must not become a leak here.

import { scrubSecrets } from '@tapline/domain';
import type { AuditEvent, RequestRecord } from '@tapline/ledger';

export interface TimelineStep {
  /** Stable identity, so a growing timeline can print only what is new. */
  readonly key: string;
  readonly at: string;
  readonly kind: 'status' | 'audit';
  /** The status entered, or the audit action. */
  readonly what: string;
  readonly detail: string;
}

/** Every string in a JSON-like value, scrubbed (ids and ISO times pass through unchanged). */
export function scrubDeep<T>(value: T): T {
  if (typeof value === 'string') return scrubSecrets(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v)])) as T;
  }
  return value;
}

function auditDetail(event: AuditEvent): string {
  const pairs = Object.entries(event.detail).map(([k, v]) => `${k}=${String(v)}`);
  return [`by ${event.actor}`, ...pairs].join(' ');
}

export function timelineOf(record: RequestRecord, audit: readonly AuditEvent[]): TimelineStep[] {
  const seen = new Map<string, number>();
  const statusSteps = record.timeline.map((entry): TimelineStep => {
    // The same status at the same instant twice is possible (a retry): number the repeats.
    const base = `s|${entry.at}|${entry.status}|${entry.note ?? ''}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { key: `${base}|${n}`, at: entry.at, kind: 'status', what: entry.status, detail: scrubSecrets(entry.note ?? '') };
  });
  const auditSteps = audit.map((event): TimelineStep => ({
    key: `a|${event.id}`,
    at: event.at,
    kind: 'audit',
    what: scrubSecrets(event.action),
    detail: scrubSecrets(auditDetail(event)),
  }));
  // Stable sort: at one instant, the status step comes before the audit events it caused.
  return [...statusSteps, ...auditSteps].sort((a, b) => a.at.localeCompare(b.at));
}

const COLUMNS = { at: 24, kind: 6, what: 22 } as const;

export function timelineHeader(): string {
  return `${'TIME'.padEnd(COLUMNS.at)}  ${'KIND'.padEnd(COLUMNS.kind)}  ${'EVENT'.padEnd(COLUMNS.what)}  DETAIL`;
}

export function formatStep(step: TimelineStep): string {
  return `${step.at.padEnd(COLUMNS.at)}  ${step.kind.padEnd(COLUMNS.kind)}  ${step.what.padEnd(COLUMNS.what)}  ${step.detail}`.trimEnd();
}
