// Audit event construction shared by the fake and the Table adapter.

import { randomBytes } from 'node:crypto';
import { scrubAndCap } from '@tapline/domain';
import type { AuditDetail, AuditEvent, NewAuditEvent } from './records.js';

/** Time-ordered, unique even for events in the same millisecond. */
export function newAuditId(at: Date): string {
  return `${at.toISOString()}~${randomBytes(6).toString('hex')}`;
}

export function newAuditEvent(input: NewAuditEvent): AuditEvent {
  const detail: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(input.detail ?? {})) {
    detail[scrubAndCap(k, 64)] = typeof v === 'string' ? scrubAndCap(v, 512) : v;
  }
  return {
    id: newAuditId(input.at),
    ...(input.requestId !== undefined && { requestId: input.requestId }),
    actor: scrubAndCap(input.actor, 128),
    action: scrubAndCap(input.action, 128),
    detail: detail satisfies AuditDetail,
    at: input.at.toISOString(),
  };
}
