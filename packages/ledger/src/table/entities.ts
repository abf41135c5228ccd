// Row <-> record mapping for the Table adapter. Lists and timelines are JSON columns (a request
// has a handful of steps, far below the 64 KiB property limit); times are ISO strings so
// `ge` filters compare them correctly.

import type { TableEntity, TableEntityResult } from '@azure/data-tables';
import type { AuditEvent, DeliveryChannel, RequestRecord, TargetRecord, TimelineEntry } from '../records.js';
import type { RequestStatus } from '@tapline/domain';
import { AUDIT_NO_REQUEST, REQUEST_ROW, TARGET_ROW, encodeKey } from './keys.js';

type Row = Record<string, unknown>;

const str = (row: Row, key: string): string | undefined => {
  const v = row[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const opt = <K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> =>
  (v === undefined ? {} : ({ [key]: v } as Record<K, string>));

export function requestToEntity(r: RequestRecord): TableEntity<Row> {
  return {
    partitionKey: encodeKey(r.requestId),
    rowKey: REQUEST_ROW,
    requestId: r.requestId,
    status: r.status,
    reasons: JSON.stringify(r.reasons),
    targetId: r.targetId,
    requestorId: r.requestorId,
    ...opt('stageInstanceId', r.stageInstanceId),
    ...opt('stage', r.stage),
    ...opt('requestType', r.requestType),
    ...opt('accessPackageId', r.accessPackageId),
    ...opt('callbackPath', r.callbackPath),
    ...opt('tapId', r.tapId),
    ...opt('tapExpiresAt', r.tapExpiresAt),
    ...opt('channel', r.channel),
    ...opt('providerMessageId', r.providerMessageId),
    attempts: r.attempts,
    ...opt('lastError', r.lastError),
    referenceId: r.referenceId,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    timeline: JSON.stringify(r.timeline),
  };
}

export function entityToRequest(row: Row): RequestRecord {
  return {
    requestId: str(row, 'requestId') ?? '',
    status: str(row, 'status') as RequestStatus,
    reasons: JSON.parse(str(row, 'reasons') ?? '[]') as string[],
    targetId: str(row, 'targetId') ?? '',
    requestorId: str(row, 'requestorId') ?? '',
    ...opt('stageInstanceId', str(row, 'stageInstanceId')),
    ...opt('stage', str(row, 'stage')),
    ...opt('requestType', str(row, 'requestType')),
    ...opt('accessPackageId', str(row, 'accessPackageId')),
    ...opt('callbackPath', str(row, 'callbackPath')),
    ...opt('tapId', str(row, 'tapId')),
    ...opt('tapExpiresAt', str(row, 'tapExpiresAt')),
    ...(str(row, 'channel') !== undefined && { channel: str(row, 'channel') as DeliveryChannel }),
    ...opt('providerMessageId', str(row, 'providerMessageId')),
    attempts: typeof row.attempts === 'number' ? row.attempts : 0,
    ...opt('lastError', str(row, 'lastError')),
    referenceId: str(row, 'referenceId') ?? '',
    createdAt: str(row, 'createdAt') ?? '',
    updatedAt: str(row, 'updatedAt') ?? '',
    timeline: JSON.parse(str(row, 'timeline') ?? '[]') as TimelineEntry[],
  };
}

export function targetToEntity(t: TargetRecord): TableEntity<Row> {
  return {
    partitionKey: encodeKey(t.targetId),
    rowKey: TARGET_ROW,
    targetId: t.targetId,
    ...opt('leaseOwner', t.leaseOwner),
    ...opt('leaseExpiresAt', t.leaseExpiresAt),
    ...opt('currentTapId', t.currentTapId),
    ...opt('currentTapExpiresAt', t.currentTapExpiresAt),
    ...opt('currentTapRequestId', t.currentTapRequestId),
    ...opt('lastIssuedAt', t.lastIssuedAt),
  };
}

export function entityToTarget(row: Row): TargetRecord {
  return {
    targetId: str(row, 'targetId') ?? '',
    ...opt('leaseOwner', str(row, 'leaseOwner')),
    ...opt('leaseExpiresAt', str(row, 'leaseExpiresAt')),
    ...opt('currentTapId', str(row, 'currentTapId')),
    ...opt('currentTapExpiresAt', str(row, 'currentTapExpiresAt')),
    ...opt('currentTapRequestId', str(row, 'currentTapRequestId')),
    ...opt('lastIssuedAt', str(row, 'lastIssuedAt')),
  };
}

export function auditToEntity(e: AuditEvent): TableEntity<Row> {
  return {
    partitionKey: e.requestId === undefined ? `${AUDIT_NO_REQUEST}${e.at.slice(0, 10)}` : encodeKey(e.requestId),
    rowKey: e.id,
    ...opt('requestId', e.requestId),
    actor: e.actor,
    action: e.action,
    detail: JSON.stringify(e.detail),
    at: e.at,
  };
}

export function entityToAudit(row: TableEntityResult<Row>): AuditEvent {
  return {
    id: row.rowKey ?? '',
    ...opt('requestId', str(row, 'requestId')),
    actor: str(row, 'actor') ?? '',
    action: str(row, 'action') ?? '',
    detail: JSON.parse(str(row, 'detail') ?? '{}') as AuditEvent['detail'],
    at: str(row, 'at') ?? '',
  };
}
