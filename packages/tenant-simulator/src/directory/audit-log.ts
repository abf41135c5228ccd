import { randomUUID } from 'node:crypto';

/** A `directoryAudit` as Graph returns it from `/auditLogs/directoryAudits`. */
export interface DirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: {
    app: { appId: string; displayName: string; servicePrincipalId: string; servicePrincipalName: string | null } | null;
    user: { id: string; displayName: string; userPrincipalName: string; ipAddress: string | null; userType: string } | null;
  };
  targetResources: AuditTarget[];
  additionalDetails: Array<{ key: string; value: string }>;
}

export interface AuditTarget {
  id: string;
  displayName: string | null;
  type: 'User' | 'Group' | 'ServicePrincipal' | 'Other';
  userPrincipalName: string | null;
  groupType: string | null;
  modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
}

export interface AuditActor {
  user?: { id: string; displayName: string; userPrincipalName: string };
  app?: { appId: string; displayName: string; servicePrincipalId: string };
}

export interface NewAuditEntry {
  activityDisplayName: string;
  category: string;
  loggedByService: string;
  operationType: string;
  at: Date;
  actor: AuditActor;
  targets: AuditTarget[];
  additionalDetails?: Array<{ key: string; value: string }>;
}

/** Append-only, kept in time order; queries go through the OData filter engine. */
export class AuditLog {
  private readonly entries: DirectoryAudit[] = [];

  add(entry: NewAuditEntry): DirectoryAudit {
    const audit: DirectoryAudit = {
      id: `Directory_${randomUUID()}`,
      category: entry.category,
      correlationId: randomUUID(),
      result: 'success',
      resultReason: '',
      activityDisplayName: entry.activityDisplayName,
      activityDateTime: entry.at.toISOString(),
      loggedByService: entry.loggedByService,
      operationType: entry.operationType,
      initiatedBy: {
        app: entry.actor.app ? { ...entry.actor.app, servicePrincipalName: null } : null,
        user: entry.actor.user ? { ...entry.actor.user, ipAddress: null, userType: 'Member' } : null,
      },
      targetResources: entry.targets,
      additionalDetails: entry.additionalDetails ?? [],
    };
    this.entries.push(audit);
    this.entries.sort((a, b) => a.activityDateTime.localeCompare(b.activityDateTime));
    return audit;
  }

  all(): readonly DirectoryAudit[] {
    return this.entries;
  }

  /**
   * What `GET /auditLogs/directoryAudits` can see at `now`: Entra publishes an entry minutes after
   * the activity (2 min at the 95th percentile, 5 at the 99th; platform facts 11), so an entry is
   * visible only `latencyMs` after its activityDateTime.
   */
  visible(now: Date, latencyMs: number): readonly DirectoryAudit[] {
    if (latencyMs <= 0) return this.entries;
    const cutoff = now.getTime() - latencyMs;
    return this.entries.filter((e) => Date.parse(e.activityDateTime) <= cutoff);
  }
}
