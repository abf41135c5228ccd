import { bothVersions, odataContext, type GraphContext, type GraphRoute } from './context.js';
import { notFound } from './errors.js';
import { listResult } from './list.js';

const auditRead = ['AuditLog.Read.All'];

/**
 * Newest first, as Graph lists them; `$filter` on any property path (targetResources/any(...) too).
 * Only entries past the ingestion latency (`auditLatencySeconds`) exist yet.
 */
function listDirectoryAudits(ctx: GraphContext) {
  const items = [...visibleAudits(ctx)].reverse() as unknown as Record<string, unknown>[];
  return listResult(ctx, {
    context: 'auditLogs/directoryAudits',
    items,
    typeName: 'microsoft.graph.directoryAudit',
    defaultSelect: Object.keys(items[0] ?? { id: '' }),
  });
}

function getDirectoryAudit(ctx: GraphContext) {
  const entry = visibleAudits(ctx).find((a) => a.id === ctx.params.id);
  if (!entry) throw notFound(ctx.params.id!);
  return { status: 200, body: { '@odata.context': odataContext(ctx.version, 'auditLogs/directoryAudits/$entity'), ...entry } };
}

export const auditLogRoutes: GraphRoute[] = [
  { method: 'GET', path: '/auditLogs/directoryAudits', versions: bothVersions, permissions: auditRead, service: 'reports', handle: listDirectoryAudits },
  { method: 'GET', path: '/auditLogs/directoryAudits/{id}', versions: bothVersions, permissions: auditRead, service: 'reports', handle: getDirectoryAudit },
];

function visibleAudits(ctx: GraphContext) {
  return ctx.state.directory.audit.visible(ctx.now, ctx.state.directorySettings.auditLatencySeconds * 1000);
}
