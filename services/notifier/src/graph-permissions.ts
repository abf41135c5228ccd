import { graphAppRolesFor } from '@tapline/graph';

/**
 * The Graph application permissions the notifier's managed identity holds: the manager's mail
 * (`managerDirectoryOn`: Directory.getUser) and Entra's resume (`entraCallbackOn`). The
 * deployment's postprovision step grants this list and removes any other Graph app role.
 */
export const NOTIFIER_GRAPH_APP_ROLES: readonly string[] = graphAppRolesFor({ directory: ['getUser'], entitlement: ['resume'] });
