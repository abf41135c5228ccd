import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';

/**
 * Which credential signs Graph calls. `managed-identity` is what runs in Azure Container Apps and,
 * locally, against the tenant simulator's App Service style endpoint (IDENTITY_ENDPOINT and
 * IDENTITY_HEADER in the environment), so the same credential code runs everywhere.
 * `default` is DefaultAzureCredential (developer sign-in, workload identity, managed identity).
 */
export type CredentialSettings =
  | { readonly kind: 'managed-identity'; readonly clientId?: string }
  | { readonly kind: 'default'; readonly managedIdentityClientId?: string };

export function createCredential(settings: CredentialSettings): TokenCredential {
  if (settings.kind === 'managed-identity') {
    return settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new ManagedIdentityCredential();
  }
  return settings.managedIdentityClientId
    ? new DefaultAzureCredential({ managedIdentityClientId: settings.managedIdentityClientId })
    : new DefaultAzureCredential();
}
