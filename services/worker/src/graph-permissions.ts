import { graphAppRolesFor } from '@tapline/graph';

/**
 * The Graph application permissions the worker's managed identity holds: exactly those of the
 * adapter methods it calls (WorkerDeps takes the whole Directory and TapIssuer). The deployment's
 * postprovision step grants this list and removes any other Graph app role.
 */
export const WORKER_GRAPH_APP_ROLES: readonly string[] = graphAppRolesFor({ directory: 'all', tapIssuer: 'all', assignmentRequests: 'all', changes: 'all' });
