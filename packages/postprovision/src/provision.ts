// The Entra objects a deployment needs, made to match what tapline declares, idempotently: each
// step reads first and writes only what differs, so a second run changes nothing.
//   1. the intake's app registration (identifier URI = the relay's token audience) with the
//      `Intake.Submit` app role, and its service principal;
//   2. `Intake.Submit` assigned to the relay's managed identity;
//   3. the Graph app roles of the worker and notifier identities: exactly the ones their adapters
//      declare (WORKER_GRAPH_APP_ROLES, NOTIFIER_GRAPH_APP_ROLES), any other Graph role removed;
//   4. the access package catalog's custom extension pointing at the relay Logic App.
import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { ProvisioningSettings } from './settings.js';

export const INTAKE_APP_ROLE = 'Intake.Submit';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const CUSTOM_EXTENSION_NAME = 'tapline';

export type Outcome = 'created' | 'updated' | 'removed' | 'unchanged' | 'skipped' | 'failed';

export interface Step {
  readonly what: string;
  readonly outcome: Outcome;
  /** Why a step failed (Graph's message; never a secret: none passes through here). */
  readonly reason?: string;
}

export interface Grants {
  readonly worker: readonly string[];
  readonly notifier: readonly string[];
}

interface AppRole {
  id: string;
  value: string;
  displayName?: string;
  description?: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
}

interface Application {
  id: string;
  appId: string;
  displayName: string;
  identifierUris: string[];
  appRoles: AppRole[];
}

interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  appRoles: AppRole[];
  appRoleAssignmentRequired: boolean;
}

interface Assignment {
  id: string;
  principalId: string;
  appRoleId: string;
}

interface Extension {
  id: string;
  displayName: string;
  [key: string]: unknown;
}

const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;

async function list<T>(graph: Client, path: string, filter?: string): Promise<T[]> {
  const out: T[] = [];
  let request = graph.api(path);
  if (filter !== undefined) request = request.filter(filter);
  let page = (await request.get()) as { value: T[]; '@odata.nextLink'?: string };
  for (let pages = 0; ; pages++) {
    out.push(...page.value);
    const next = page['@odata.nextLink'];
    if (next === undefined || pages >= 100) return out;
    page = (await graph.api(next).get()) as typeof page;
  }
}

const intakeRole = (id: string): AppRole => ({
  id,
  value: INTAKE_APP_ROLE,
  displayName: 'Submit custom-extension call-outs',
  description: 'Lets the relay Logic App submit entitlement-management call-outs to the tapline intake.',
  allowedMemberTypes: ['Application'],
  isEnabled: true,
});

/** The intake's application, created or brought to the declared shape. */
async function ensureIntakeApplication(graph: Client, settings: ProvisioningSettings, steps: Step[]): Promise<Application> {
  const uri = settings.INTAKE_APP_IDENTIFIER_URI;
  const [existing] = await list<Application>(graph, '/applications', `identifierUris/any(x:x eq ${quote(uri)})`);
  if (existing === undefined) {
    const created = (await graph.api('/applications').post({
      displayName: settings.INTAKE_APP_DISPLAY_NAME,
      signInAudience: 'AzureADMyOrg',
      identifierUris: [uri],
      appRoles: [intakeRole(randomUUID())],
    })) as Application;
    steps.push({ what: `app registration ${settings.INTAKE_APP_DISPLAY_NAME} (${uri})`, outcome: 'created' });
    return created;
  }
  const role = existing.appRoles.find((r) => r.value === INTAKE_APP_ROLE);
  const wanted = intakeRole(role?.id ?? randomUUID());
  const roleMatches = role !== undefined && role.isEnabled && role.allowedMemberTypes.length === 1 && role.allowedMemberTypes[0] === 'Application';
  if (roleMatches && existing.displayName === settings.INTAKE_APP_DISPLAY_NAME) {
    steps.push({ what: `app registration ${existing.displayName} (${uri})`, outcome: 'unchanged' });
    return existing;
  }
  const appRoles = [...existing.appRoles.filter((r) => r.value !== INTAKE_APP_ROLE), wanted];
  await graph.api(`/applications/${existing.id}`).patch({ displayName: settings.INTAKE_APP_DISPLAY_NAME, appRoles });
  steps.push({ what: `app registration ${settings.INTAKE_APP_DISPLAY_NAME} (${uri})`, outcome: 'updated' });
  return { ...existing, displayName: settings.INTAKE_APP_DISPLAY_NAME, appRoles };
}

async function servicePrincipalOf(graph: Client, appId: string): Promise<ServicePrincipal | undefined> {
  const [sp] = await list<ServicePrincipal>(graph, '/servicePrincipals', `appId eq ${quote(appId)}`);
  return sp;
}

/**
 * The intake's service principal, with assignment required: Entra then issues tokens for the
 * intake only to principals holding one of its app roles (the relay), before the intake's own
 * caller check runs.
 */
async function ensureServicePrincipal(graph: Client, app: Application, steps: Step[]): Promise<ServicePrincipal> {
  const existing = await servicePrincipalOf(graph, app.appId);
  if (existing?.appRoleAssignmentRequired === true) {
    steps.push({ what: `service principal of ${app.displayName}`, outcome: 'unchanged' });
    return existing;
  }
  if (existing !== undefined) {
    await graph.api(`/servicePrincipals/${existing.id}`).patch({ appRoleAssignmentRequired: true });
    steps.push({ what: `service principal of ${app.displayName} (assignment required)`, outcome: 'updated' });
    return { ...existing, appRoleAssignmentRequired: true };
  }
  const created = (await graph.api('/servicePrincipals').post({ appId: app.appId, appRoleAssignmentRequired: true })) as ServicePrincipal;
  steps.push({ what: `service principal of ${app.displayName}`, outcome: 'created' });
  return created;
}

/**
 * Makes the principal hold exactly `wanted` of the resource's app roles (`exclusive`), or at
 * least them. A role the resource does not define is an error: nothing is half-granted.
 */
async function ensureAppRoles(
  graph: Client,
  resource: ServicePrincipal,
  principal: { id: string; name: string },
  wanted: readonly string[],
  exclusive: boolean,
  steps: Step[],
): Promise<void> {
  const byValue = new Map(resource.appRoles.map((r) => [r.value, r]));
  const missing = wanted.filter((v) => !byValue.has(v));
  if (missing.length > 0) throw new Error(`${resource.displayName} defines no app role ${missing.join(', ')}`);
  const held = (await list<Assignment>(graph, `/servicePrincipals/${resource.id}/appRoleAssignedTo`))
    .filter((a) => a.principalId.toLowerCase() === principal.id.toLowerCase());
  const valueOf = (a: Assignment): string => resource.appRoles.find((r) => r.id === a.appRoleId)?.value ?? a.appRoleId;
  for (const value of wanted) {
    const role = byValue.get(value)!;
    if (held.some((a) => a.appRoleId === role.id)) {
      steps.push({ what: `${principal.name}: ${resource.displayName} ${value}`, outcome: 'unchanged' });
      continue;
    }
    await graph.api(`/servicePrincipals/${resource.id}/appRoleAssignedTo`).post({ principalId: principal.id, resourceId: resource.id, appRoleId: role.id });
    steps.push({ what: `${principal.name}: ${resource.displayName} ${value}`, outcome: 'created' });
  }
  if (!exclusive) return;
  for (const extra of held.filter((a) => !wanted.includes(valueOf(a)))) {
    await graph.api(`/servicePrincipals/${resource.id}/appRoleAssignedTo/${extra.id}`).delete();
    steps.push({ what: `${principal.name}: ${resource.displayName} ${valueOf(extra)} (not declared by tapline)`, outcome: 'removed' });
  }
}

/** The custom extension's declared shape (Graph v1.0 accessPackageAssignmentRequestWorkflowExtension). */
export function customExtensionBody(settings: ProvisioningSettings): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension',
    displayName: CUSTOM_EXTENSION_NAME,
    description: 'Issues a Temporary Access Pass to the target of an on-behalf request (relay Logic App -> tapline intake).',
    endpointConfiguration: {
      '@odata.type': '#microsoft.graph.logicAppTriggerEndpointConfiguration',
      subscriptionId: settings.AZURE_SUBSCRIPTION_ID,
      resourceGroupName: settings.AZURE_RESOURCE_GROUP,
      logicAppWorkflowName: settings.RELAY_WORKFLOW_NAME,
    },
    authenticationConfiguration: { '@odata.type': '#microsoft.graph.azureAdPopTokenAuthentication' },
    // The relay answers 202 before it forwards, so Entra's default 1 s timeout holds; one retry.
    clientConfiguration: { '@odata.type': '#microsoft.graph.customExtensionClientConfiguration', timeoutInMilliseconds: 1000, maximumRetries: 1 },
    // Launch and wait: the notifier resumes the request once the TAP is delivered (or denied).
    callbackConfiguration: { '@odata.type': 'microsoft.graph.customExtensionCallbackConfiguration', durationBeforeTimeout: settings.ENTRA_CALLBACK_TIMEOUT },
  };
}

/** Does `actual` hold every value of `wanted` (nested; `@odata.type` compared without its `#`)? */
function covers(actual: unknown, wanted: unknown, key = ''): boolean {
  if (key === '@odata.type' && typeof actual === 'string' && typeof wanted === 'string') return actual.replace(/^#/, '') === wanted.replace(/^#/, '');
  if (typeof wanted !== 'object' || wanted === null) return actual === wanted;
  if (typeof actual !== 'object' || actual === null) return false;
  return Object.entries(wanted).every(([k, v]) => covers((actual as Record<string, unknown>)[k], v, k));
}

async function ensureCustomExtension(graph: Client, settings: ProvisioningSettings, steps: Step[]): Promise<void> {
  const catalog = settings.ENTRA_CATALOG_ID;
  if (catalog === undefined) {
    steps.push({ what: 'custom extension (ENTRA_CATALOG_ID not set)', outcome: 'skipped' });
    return;
  }
  const path = `/identityGovernance/entitlementManagement/catalogs/${catalog}/customWorkflowExtensions`;
  const wanted = customExtensionBody(settings);
  const existing = (await list<Extension>(graph, path)).find((e) => e.displayName === CUSTOM_EXTENSION_NAME);
  const what = `custom extension ${CUSTOM_EXTENSION_NAME} in catalog ${catalog} -> ${settings.RELAY_WORKFLOW_NAME}`;
  if (existing !== undefined && covers(existing, wanted)) {
    steps.push({ what, outcome: 'unchanged' });
    return;
  }
  try {
    if (existing === undefined) await graph.api(path).post(wanted);
    else await graph.api(`${path}/${existing.id}`).put(wanted);
    steps.push({ what, outcome: existing === undefined ? 'created' : 'updated' });
  } catch (err) {
    // The known Entra issue: a Logic App never linked through the Entra UI fails validation.
    // Everything else is in place; the manual steps say how to link it, then run the hook again.
    const status = (err as { statusCode?: unknown }).statusCode;
    if (status !== 400) throw err;
    steps.push({ what, outcome: 'failed', reason: err instanceof Error ? err.message : 'rejected by Graph (400)' });
  }
}

export interface ProvisionResult {
  readonly steps: readonly Step[];
  readonly intakeAppId: string;
}

export async function provisionEntra(graph: Client, settings: ProvisioningSettings, grants: Grants): Promise<ProvisionResult> {
  const steps: Step[] = [];
  const intakeApp = await ensureIntakeApplication(graph, settings, steps);
  const intakeSp = await ensureServicePrincipal(graph, intakeApp, steps);
  await ensureAppRoles(graph, intakeSp, { id: settings.RELAY_PRINCIPAL_ID, name: 'relay' }, [INTAKE_APP_ROLE], false, steps);
  const graphSp = await servicePrincipalOf(graph, GRAPH_APP_ID);
  if (graphSp === undefined) throw new Error('Microsoft Graph has no service principal in this tenant');
  await ensureAppRoles(graph, graphSp, { id: settings.WORKER_PRINCIPAL_ID, name: 'worker' }, grants.worker, true, steps);
  await ensureAppRoles(graph, graphSp, { id: settings.NOTIFIER_PRINCIPAL_ID, name: 'notifier' }, grants.notifier, true, steps);
  await ensureCustomExtension(graph, settings, steps);
  return { steps, intakeAppId: intakeApp.appId };
}
