import type { ProvisionResult } from './provision.js';
import type { ProvisioningSettings } from './settings.js';

/** What an administrator must still do by hand after the hook, in order. */
export function manualSteps(settings: ProvisioningSettings, result: ProvisionResult): string[] {
  const steps: string[] = [];
  const extension = result.steps.find((s) => s.what.startsWith('custom extension'));
  if (settings.ENTRA_CATALOG_ID === undefined) {
    steps.push('Pick the entitlement-management catalog that holds the access package, then `azd env set ENTRA_CATALOG_ID <catalog id>` and `azd hooks run postprovision` to create the custom extension.');
  }
  if (extension?.outcome === 'failed') {
    steps.push(`Entra refused the custom extension (${extension.reason ?? 'validation failed'}). Known Entra issue for a Logic App never linked in the UI: in the Entra admin center, Identity Governance > Catalogs > (the catalog) > Custom extensions > Add, choose the Logic App ${settings.RELAY_WORKFLOW_NAME} in resource group ${settings.AZURE_RESOURCE_GROUP} once; then \`azd hooks run postprovision\` again.`);
  }
  steps.push(
    'Attach the custom extension to the access package: Access package > Policies > (the on-behalf policy) > Custom extensions, stage "Request is approved" (or "Assignment is granted"), extension "tapline".',
    'Make sure Temporary Access Pass is enabled in the authentication methods policy for the users tapline serves (Protection > Authentication methods > Temporary Access Pass).',
    'Buy an SMS-capable (toll-free) number for the Communication Services resource in the Azure portal (Phone numbers > Get): numbers cannot be bought through ARM. Then `azd env set ACS_SMS_FROM +1...` and `azd provision`.',
    'Admin consent: the app roles above were granted by assignment, which is the admin consent for application permissions; nothing to consent in the portal. If this hook stopped on 403, a Privileged Role Administrator runs `azd hooks run postprovision`.',
    'Managed-identity tokens are cached for up to 24 h: after a permission change, restart the worker and notifier (`az containerapp revision restart`) for it to take effect at once.',
  );
  return steps;
}
