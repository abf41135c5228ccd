// The deployment and the code must agree. These tests read what `azd up` ships (azure.yaml, the
// Bicep, topology.json, the relay's workflow, the workbook and alert queries) and fail when:
// - a service's app settings miss a variable its config schema needs, set one it does not read,
//   or set one to its default (each setting is checked against the schema itself);
// - a queue of topology.json is not deployed with every one of its properties;
// - the identity that gets a service's Graph roles is not the identity the service runs as;
// - a workbook or alert query names a metric (or attribute) the services do not emit;
// - the relay, azd's service wiring or an API version drifts from what the facts sheet cites.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROUTE_PREFIX, intakeConfigSchema, routes } from '@tapline/intake';
import { repoRoot } from '@tapline/local-stack';
import { notifierConfigSchema } from '@tapline/notifier';
import { METRICS, METRIC_NAMES } from '@tapline/observability';
import { provisioningSettingsSchema } from '@tapline/postprovision';
import { workerConfigSchema } from '@tapline/worker';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { BicepFile, at, objectEntries, ternary } from './bicep.js';
import type { BicepValue } from './bicep.js';

const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const bicep = (file: string): BicepFile => new BicepFile(read(file));
const json = <T>(file: string): T => JSON.parse(read(file)) as T;

const main = bicep('infra/main.bicep');
const resources = bicep('infra/resources.bicep');
const serviceBus = bicep('infra/modules/servicebus.bicep');
const intakeFunction = bicep('infra/modules/intake-function.bicep');
const consumerApp = bicep('infra/modules/consumer-app.bicep');
const relay = bicep('infra/modules/relay.bicep');
const monitoring = bicep('infra/modules/monitoring.bicep');
const topology = json<{ queues: Record<string, Record<string, unknown>> }>('infra/topology.json');

// What Azure resolves the Bicep expressions to, by setting: the test needs a value of the right
// shape to run the schema. A setting whose value is an expression and has no sample here fails.
const TENANT = '2e731c1f-6c7c-448e-98e2-8104a6efdbd6';
const AZURE_VALUES: Record<string, string> = {
  SERVICEBUS_NAMESPACE: 'sb-tapline-abc123.servicebus.windows.net',
  INTAKE_MANAGED_IDENTITY_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
  INTAKE_TENANT_ID: TENANT,
  INTAKE_AUDIENCE: `api://${TENANT}/tapline-intake-abc123`,
  INTAKE_ALLOWED_CALLERS: '66666666-7777-4888-9999-000000000000',
  TABLES_ENDPOINT: 'https://sttapabc123.table.core.windows.net/',
  SEALING_KEY_VAULT_URL: 'https://kv-tap-abc123.vault.azure.net/',
  TAPLINE_SEALING_ACTIVE_KID: 'k1',
  GRAPH_MANAGED_IDENTITY_CLIENT_ID: '22222222-3333-4444-8555-666666666666',
  GRAPH_WRITE_BUDGET: '1000',
  GRAPH_REPORTS_BUDGET: '1',
  WORKER_SERVED_ACCESS_PACKAGE_IDS: '3a6b2c1d-4e5f-4a7b-8c9d-0e1f2a3b4c5d',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
  ACS_EMAIL_SENDER: 'DoNotReply@0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d.azurecomm.net',
  NOTIFIER_SMS_PER_MINUTE: '100',
  NOTIFIER_EMAIL_PER_MINUTE: '2',
  ACS_SMS_FROM: '+18005550100',
  ACS_CONNECTION_STRING: 'endpoint=https://acs-tap-abc123.unitedstates.communication.azure.com/;accesskey=c2VjcmV0LWFjY2Vzcy1rZXk=',
};

/** Settings a service does not parse itself, with the reason they are set. */
const READ_BY_LIBRARIES: Record<string, string> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'read by @azure/monitor-opentelemetry (the Azure Monitor exporter of DESIGN section 9)',
};

type Env = Record<string, string>;

function envFrom(settings: ReadonlyMap<string, BicepValue>): Env {
  const env: Env = {};
  for (const [name, value] of settings) {
    if (value.kind === 'string') env[name] = value.value;
    else if (AZURE_VALUES[name] !== undefined) env[name] = AZURE_VALUES[name];
    else throw new Error(`${name} = ${value.text}: add what Azure resolves it to to AZURE_VALUES`);
  }
  return env;
}

function objectVar(file: BicepFile, name: string): ReadonlyMap<string, BicepValue> {
  return objectEntries(file.variable(name));
}

/** Each way the Bicep can configure a service: the notifier with and without an SMS number. */
function deployedEnvironments(): Record<'intake' | 'worker' | 'notifier', Env[]> {
  const channel = ternary(resources.variable('notifierChannelSettings'));
  if (!channel) throw new Error('notifierChannelSettings is not `condition ? {...} : {...}`');
  const notifier = envFrom(objectVar(resources, 'notifierSettings'));
  const secrets = Object.fromEntries([...objectVar(resources, 'notifierSecretSettings').keys()].map((k) => [k, AZURE_VALUES[k] ?? '']));
  return {
    intake: [envFrom(objectVar(resources, 'intakeSettings'))],
    worker: [envFrom(objectVar(resources, 'workerSettings'))],
    notifier: [channel.whenTrue, channel.whenFalse].map((branch) => ({ ...notifier, ...envFrom(objectEntries(branch)), ...secrets })),
  };
}

const schemas: Record<'intake' | 'worker' | 'notifier', z.ZodType & { shape: Record<string, unknown> }> = {
  intake: intakeConfigSchema,
  worker: workerConfigSchema,
  notifier: notifierConfigSchema,
};

describe('app settings against each service config schema', () => {
  const deployed = deployedEnvironments();

  describe.each(['intake', 'worker', 'notifier'] as const)('%s', (service) => {
    const schema = schemas[service];

    it('sets only variables the service reads (or a library it loads reads)', () => {
      for (const env of deployed[service]) {
        const unknown = Object.keys(env).filter((k) => !(k in schema.shape) && READ_BY_LIBRARIES[k] === undefined);
        expect(unknown, `${service} settings nobody reads`).toEqual([]);
      }
    });

    it('sets every variable the schema needs: the deployed settings parse', () => {
      for (const env of deployed[service]) {
        const parsed = schema.safeParse(env);
        expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))).toBe(true);
      }
    });

    it('sets nothing it need not: each setting is required, or differs from the default', () => {
      for (const env of deployed[service]) {
        const full = schema.safeParse(env);
        if (!full.success) throw new Error('does not parse');
        for (const name of Object.keys(env).filter((k) => k in schema.shape)) {
          const { [name]: _, ...without } = env;
          const reduced = schema.safeParse(without);
          if (!reduced.success) continue; // required (alone or as one of a pair)
          expect((reduced.data as Env)[name], `${service}: ${name} is set to its default`).not.toEqual((full.data as Env)[name]);
        }
      }
    });
  });

  it('the intake and the relay use one audience, and the relay calls the intake on its route', () => {
    expect(objectVar(resources, 'intakeSettings').get('INTAKE_AUDIENCE')?.text).toBe('intakeAudience');
    expect(resources.moduleParams('relay').get('intakeAudience')?.text).toBe('intakeAudience');
    const tapRoute = routes.find((r) => r.methods.includes('POST'))!;
    expect(resources.variable('intakeCalloutUrl').text).toMatch(new RegExp(`/${ROUTE_PREFIX}/${tapRoute.route}'$`));
    expect(resources.moduleParams('relay').get('intakeUrl')?.text).toBe('intakeCalloutUrl');
    // Only the relay's identity may call the intake.
    expect(objectVar(resources, 'intakeSettings').get('INTAKE_ALLOWED_CALLERS')?.text).toBe('relayIdentity.properties.clientId');
  });

  it('the Function App gets only the host platform settings besides the intake\'s own', () => {
    const platform = [...objectVar(intakeFunction, 'platformSettings').keys()];
    expect(platform.sort()).toEqual([
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__clientId', 'AzureWebJobsStorage__credential',
    ]);
    expect(platform.filter((k) => k in intakeConfigSchema.shape)).toEqual([]);
  });

  it("the worker's Graph budgets and the notifier's send rates are divided by their maximum replica counts", () => {
    const worker = objectVar(resources, 'workerSettings');
    expect(worker.get('GRAPH_WRITE_BUDGET')?.text).toMatch(/\/ workerMaxReplicas\)/);
    expect(worker.get('GRAPH_REPORTS_BUDGET')?.text).toMatch(/\/ workerMaxReplicas\)/);
    expect(resources.moduleParams('worker').get('maxReplicas')?.text).toBe('workerMaxReplicas');
    const notifier = objectVar(resources, 'notifierSettings');
    expect(notifier.get('NOTIFIER_SMS_PER_MINUTE')?.text).toMatch(/\/ notifierMaxReplicas\)/);
    expect(notifier.get('NOTIFIER_EMAIL_PER_MINUTE')?.text).toMatch(/\/ notifierMaxReplicas\)/);
    expect(resources.moduleParams('notifier').get('maxReplicas')?.text).toBe('notifierMaxReplicas');
  });
});

describe('queues', () => {
  const [namespace, queues] = ['Microsoft.ServiceBus/namespaces', 'Microsoft.ServiceBus/namespaces/queues'].map((t) => serviceBus.resources().find((r) => r.type === t && !r.existing)!);

  it('deploys every queue of topology.json with every one of its properties, read from that file', () => {
    expect(serviceBus.variable('topology').text).toBe("loadJsonContent('../topology.json')");
    expect(serviceBus.source).toMatch(/resource queues '[^']+' = \[for queue in items\(topology\.queues\): \{/);
    expect(at(queues!.body, 'name')?.text).toBe('queue.key');
    const properties = objectEntries(at(queues!.body, 'properties'));
    const declared = new Set(Object.values(topology.queues).flatMap((q) => Object.keys(q)));
    expect([...properties.keys()].sort()).toEqual([...declared].sort());
    for (const [key, value] of properties) expect(value.text).toBe(`queue.value.${key}`);
  });

  it('uses only queue properties of Microsoft.ServiceBus/namespaces/queues@2024-01-01, on a tier with duplicate detection, local auth off', () => {
    const documented = new Set(['lockDuration', 'maxDeliveryCount', 'requiresDuplicateDetection', 'duplicateDetectionHistoryTimeWindow', 'defaultMessageTimeToLive',
      'deadLetteringOnMessageExpiration', 'maxMessageSizeInKilobytes', 'requiresSession', 'enablePartitioning', 'autoDeleteOnIdle', 'forwardTo',
      'forwardDeadLetteredMessagesTo', 'status', 'maxSizeInMegabytes', 'enableBatchedOperations', 'enableExpress']);
    for (const q of Object.values(topology.queues)) for (const key of Object.keys(q)) expect(documented.has(key), key).toBe(true);
    expect(queues!.apiVersion).toBe('2024-01-01');
    expect(at(namespace!.body, 'sku', 'name')).toMatchObject({ kind: 'string', value: 'Standard' });
    expect(at(namespace!.body, 'properties', 'disableLocalAuth')?.text).toBe('true');
  });

  it('every queue a service reads or writes, scales on or is granted is in topology.json', () => {
    const names = new Set(Object.keys(topology.queues));
    const defaults = [
      intakeConfigSchema.parse({ SERVICEBUS_CONNECTION_STRING: 'x', INTAKE_TENANT_ID: TENANT, INTAKE_AUDIENCE: 'a', INTAKE_ALLOWED_CALLERS: TENANT }).INTAKE_QUEUE_NAME,
      ...Object.entries(workerConfigSchema.shape).filter(([k]) => k.endsWith('_QUEUE')).map(([, s]) => (s as z.ZodType).parse(undefined)),
      notifierConfigSchema.shape.NOTIFIER_QUEUE_NAME.parse(undefined),
    ];
    for (const q of defaults) expect(names.has(q as string), String(q)).toBe(true);
    for (const app of ['worker', 'notifier']) {
      const queue = resources.moduleParams(app).get('queueName');
      expect(queue?.kind === 'string' && names.has(queue.value), `${app} scales on ${queue?.text}`).toBe(true);
    }
    for (const r of serviceBus.resources().filter((x) => x.existing)) {
      const name = at(r.body, 'name');
      expect(name?.kind === 'string' && names.has(name.value), name?.text).toBe(true);
    }
  });

  it('scales each consumer on its own queue with KEDA and its managed identity', () => {
    expect(resources.moduleParams('worker').get('queueName')).toMatchObject({ value: 'tap-requests' });
    expect(resources.moduleParams('notifier').get('queueName')).toMatchObject({ value: 'tap-deliveries' });
    const app = consumerApp.resources().find((r) => r.type === 'Microsoft.App/containerApps')!;
    const rule = at(app.body, 'properties', 'template', 'scale', 'rules');
    expect(rule?.text).toContain("type: 'azure-servicebus'");
    expect(rule?.text).toContain('identity: identityId');
    expect(rule?.text).toContain('namespace: serviceBusName');
    // KEDA's managed-identity auth needs 2024-02-02-preview or later.
    expect(app.apiVersion >= '2024-02-02').toBe(true);
    expect(at(app.body, 'properties', 'template', 'scale', 'minReplicas')?.text).toBe('1');
  });
});

describe('identities and Graph permissions', () => {
  it('the identities the hook grants Graph roles to are the ones the services run as', () => {
    const outputs = resources.outputs();
    for (const service of ['worker', 'notifier'] as const) {
      const identity = `${service}Identity`;
      expect(outputs.get(`${service}PrincipalId`)).toBe(`${identity}.properties.principalId`);
      expect(main.outputs().get(`${service.toUpperCase()}_PRINCIPAL_ID`)).toBe(`resources.outputs.${service}PrincipalId`);
      expect(objectVar(resources, `${service}Settings`).get('GRAPH_MANAGED_IDENTITY_CLIENT_ID')?.text).toBe(`${identity}.properties.clientId`);
      expect(resources.moduleParams(service).get('identityId')?.text).toBe(`${identity}.id`);
    }
    expect(outputs.get('relayPrincipalId')).toBe('relayIdentity.properties.principalId');
    expect(resources.moduleParams('relay').get('identityId')?.text).toBe('relayIdentity.id');
  });

  it('the postprovision hook gets every value it needs from azd: an output of main.bicep or one azd sets itself', () => {
    const fromAzd = new Set(['AZURE_SUBSCRIPTION_ID', 'AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_PRINCIPAL_ID']);
    const outputs = main.outputs();
    const shape = (provisioningSettingsSchema as unknown as { shape: Record<string, z.ZodType> }).shape;
    const required = Object.entries(shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
    expect(required.length).toBeGreaterThan(5);
    for (const name of required) expect(outputs.has(name) || fromAzd.has(name), `${name} is neither an output nor set by azd`).toBe(true);
    // Optional ones the deployment still provides.
    for (const name of ['SEALING_KEY_VAULT_URL', 'TAPLINE_SEALING_ACTIVE_KID']) expect(outputs.has(name), name).toBe(true);
  });
});

// Metric names used in a KQL query: `name == "x"`, `name in ("x", "y")`, `sumif(valueSum, name == "x")`.
function metricNamesIn(query: string): string[] {
  const names = [...query.matchAll(/\bname\s*==\s*"([^"]+)"/g)].map((m) => m[1]!);
  for (const m of query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) names.push(...[...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!));
  return [...new Set(names)];
}

const attributesOf = new Map<string, Set<string>>(Object.values(METRICS).map((d) => [d.name, new Set<string>(d.attributes)]));

describe('the workbook and the alerts', () => {
  const workbook = json<{ items: { type: number; content: { query?: string; json?: string } }[] }>('infra/monitoring/workbook.json');
  const logAlerts = json<Record<string, { query: string; metricMeasureColumn: string; threshold: number; operator: string }>>('infra/monitoring/log-alerts.json');
  const queries = [
    ...workbook.items.filter((i) => i.type === 3).map((i) => ({ where: 'workbook', query: i.content.query! })),
    ...Object.entries(logAlerts).map(([k, a]) => ({ where: `alert ${k}`, query: a.query })),
  ];

  it('name only metrics the services emit, with attributes those metrics carry', () => {
    for (const { where, query } of queries.filter((q) => q.query.includes('customMetrics'))) {
      const names = metricNamesIn(query);
      expect(names.length, `${where} names no metric`).toBeGreaterThan(0);
      for (const name of names) expect(new Set<string>(METRIC_NAMES).has(name), `${where}: ${name} is not a metric tapline emits`).toBe(true);
      for (const [, key] of query.matchAll(/customDimensions\["([^"]+)"\]/g)) {
        expect(names.some((n) => attributesOf.get(n)?.has(key!) === true), `${where}: no metric it names carries ${key}`).toBe(true);
      }
    }
  });

  it('chart what the issue asks for', () => {
    const titles = workbook.items.filter((i) => i.type === 1).map((i) => i.content.json ?? '').join('\n');
    for (const panel of ['Requests by outcome', 'Denial reasons', 'Latency', 'Dead letters by queue and reason', 'Graph calls and throttling', 'ACS sends']) {
      expect(titles).toContain(panel);
    }
    const charted = new Set(queries.filter((q) => q.where === 'workbook').flatMap((q) => metricNamesIn(q.query)));
    for (const m of [METRICS.requests, METRICS.denialReasons, METRICS.endToEndDuration, METRICS.deadLettered, METRICS.graphThrottled, METRICS.acsSends]) {
      expect(charted.has(m.name), m.name).toBe(true);
    }
  });

  it('alert on any dead letter, an oldest message past 5 minutes, failed relay runs and a Graph 429 share above 1%', () => {
    const metricAlerts = monitoring.resources().filter((r) => r.type === 'Microsoft.Insights/metricAlerts');
    const criteria = metricAlerts.map((r) => ({ scope: at(r.body, 'properties', 'scopes')?.text, text: at(r.body, 'properties', 'criteria')?.text ?? '' }));
    // Platform metrics of the two resources (not exportable to logs: reference facts section 8).
    const alertOn = (scope: string, pattern: RegExp): boolean => criteria.some((c) => c.scope === scope && pattern.test(c.text));
    expect(alertOn('[ serviceBusId ]', /metricName: 'DeadletteredMessages'[\s\S]*operator: 'GreaterThan'\s+threshold: 0/)).toBe(true);
    expect(alertOn('[ relayId ]', /metricName: 'RunsFailed'[\s\S]*operator: 'GreaterThan'\s+threshold: 0/)).toBe(true);
    expect(logAlerts.oldestMessage).toMatchObject({ operator: 'GreaterThan', threshold: 300, metricMeasureColumn: 'ageSeconds' });
    expect(metricNamesIn(logAlerts.oldestMessage!.query)).toEqual([METRICS.oldestMessageAge.name]);
    expect(logAlerts.graphThrottling).toMatchObject({ operator: 'GreaterThan', threshold: 0.01, metricMeasureColumn: 'share429' });
    expect(metricNamesIn(logAlerts.graphThrottling!.query).sort()).toEqual([METRICS.graphCalls.name, METRICS.graphThrottled.name].sort());
    // Every alert notifies the action group given as a parameter.
    expect(monitoring.source).toMatch(/actions: metricActions[\s\S]*actions: metricActions[\s\S]*actions: logActions/);
    expect(main.paramDefault('alertActionGroupId')).toBe("''");
  });
});

describe('the relay Logic App', () => {
  interface Action { type: string; runAfter?: Record<string, string[]>; inputs?: Record<string, unknown>; expression?: unknown; actions?: Record<string, Action>; else?: { actions: Record<string, Action> } }
  const workflow = json<{ triggers: Record<string, { type: string; kind?: string }>; actions: Record<string, Action> }>('infra/relay/workflow.json');

  it('answers 202 before anything else, then forwards all but the connection test, with its identity and retries', () => {
    expect(Object.values(workflow.triggers)).toEqual([expect.objectContaining({ type: 'Request', kind: 'Http' })]);
    const first = Object.values(workflow.actions).filter((a) => Object.keys(a.runAfter ?? {}).length === 0);
    expect(first).toEqual([expect.objectContaining({ type: 'Response', inputs: { statusCode: 202 } })]);
    const branch = Object.values(workflow.actions).find((a) => a.type === 'If')!;
    expect(Object.keys(branch.runAfter!)).toEqual([Object.keys(workflow.actions).find((k) => workflow.actions[k]!.type === 'Response')]);
    expect(JSON.stringify(branch.expression)).toContain('CustomExtensionConnectionTest');
    expect(branch.actions).toEqual({});
    const forward = Object.values(branch.else!.actions);
    expect(forward).toHaveLength(1);
    expect(forward[0]).toMatchObject({
      type: 'Http',
      inputs: {
        method: 'POST',
        uri: "@parameters('intakeUrl')",
        body: '@triggerBody()',
        authentication: { type: 'ManagedServiceIdentity', audience: "@parameters('intakeAudience')", identity: "@parameters('relayIdentityId')" },
        retryPolicy: { type: 'exponential' },
      },
    });
    expect(JSON.stringify(workflow)).not.toMatch(/"type":\s*"Http"[^}]*"uri":\s*"https?:/); // no hard-coded URL
  });

  it("accepts only entitlement management's PoP tokens for this workflow", () => {
    const workflowResource = relay.resources().find((r) => r.type === 'Microsoft.Logic/workflows')!;
    expect(workflowResource.apiVersion).toBe('2019-05-01');
    expect(at(workflowResource.body, 'properties', 'definition')?.text).toBe("loadJsonContent('../relay/workflow.json')");
    const policy = at(workflowResource.body, 'properties', 'accessControl', 'triggers', 'openAuthenticationPolicies', 'policies', 'AzureADEntitlementManagementPOPAuthPolicy');
    expect(at(policy, 'type')).toMatchObject({ value: 'AADPOP' });
    const claims = at(policy, 'claims')!.text;
    for (const claim of ['iss', 'appid', 'm', 'u', 'p']) expect(claims).toContain(`name: '${claim}'`);
    expect(claims).toContain('entitlementManagementAppId');
    expect(relay.variable('entitlementManagementAppId')).toMatchObject({ value: '810dcf14-1858-4bf2-8134-4c369fa3235b' });
    expect(at(workflowResource.body, 'properties', 'accessControl', 'triggers', 'sasAuthenticationPolicy', 'state')).toMatchObject({ value: 'Disabled' });
  });
});

describe('azd wiring and API versions', () => {
  const azure = parseYaml(read('azure.yaml')) as { services: Record<string, { project: string; host: string; docker?: { path: string; context: string; remoteBuild: boolean } }>; hooks: Record<string, unknown> };

  it('azure.yaml: the intake as a function, the worker and notifier as container apps built remotely; tags name each once', () => {
    expect(azure.services.intake).toMatchObject({ host: 'function', project: './services/intake/.package' });
    for (const s of ['worker', 'notifier']) {
      expect(azure.services[s]).toMatchObject({ host: 'containerapp', project: `./services/${s}`, docker: { path: './Dockerfile', context: '../..', remoteBuild: true } });
    }
    expect(Object.keys(azure.hooks).sort()).toEqual(['postprovision', 'prepackage']);
    expect(intakeFunction.source).toContain("'azd-service-name': 'intake'");
    expect(consumerApp.source).toContain("'azd-service-name': serviceName");
    expect(['worker', 'notifier'].map((s) => resources.moduleParams(s).get('serviceName'))).toEqual([
      expect.objectContaining({ value: 'worker' }), expect.objectContaining({ value: 'notifier' }),
    ]);
    expect(main.outputs().has('AZURE_CONTAINER_REGISTRY_ENDPOINT')).toBe(true);
  });

  it('the Function App runs Node 22 on Flex Consumption with an always-ready HTTP instance', () => {
    const site = intakeFunction.resources().find((r) => r.type === 'Microsoft.Web/sites')!;
    expect(at(site.body, 'kind')).toMatchObject({ value: 'functionapp,linux' });
    const config = at(site.body, 'properties', 'functionAppConfig');
    expect(at(config, 'runtime')?.text).toBe("{ name: 'node', version: '22' }");
    expect(at(config, 'scaleAndConcurrency', 'alwaysReady')?.text).toBe("[ { name: 'http', instanceCount: 1 } ]");
    const plan = intakeFunction.resources().find((r) => r.type === 'Microsoft.Web/serverfarms')!;
    expect(at(plan.body, 'sku')?.text).toBe("{ name: 'FC1', tier: 'FlexConsumption' }");
  });

  it('uses the API versions the facts sheet cites', () => {
    const cited: Record<string, (v: string) => boolean> = {
      'Microsoft.ServiceBus/namespaces': (v) => v === '2024-01-01',
      'Microsoft.ServiceBus/namespaces/queues': (v) => v === '2024-01-01',
      'Microsoft.Authorization/roleAssignments': (v) => v === '2022-04-01',
      'Microsoft.Logic/workflows': (v) => v === '2019-05-01',
      'Microsoft.Insights/workbooks': (v) => v === '2023-06-01',
      'Microsoft.Insights/metricAlerts': (v) => v === '2018-03-01',
      'Microsoft.Insights/scheduledQueryRules': (v) => v === '2021-08-01' || v === '2023-12-01',
      'Microsoft.App/containerApps': (v) => v >= '2024-02-02',
    };
    const files = ['main', 'resources', 'modules/servicebus', 'modules/intake-function', 'modules/consumer-app', 'modules/relay', 'modules/monitoring'];
    const seen = new Set<string>();
    for (const file of files) {
      for (const r of bicep(`infra/${file}.bicep`).resources()) {
        seen.add(r.type);
        const check = cited[r.type];
        if (check) expect(check(r.apiVersion), `${file}: ${r.type}@${r.apiVersion}`).toBe(true);
      }
    }
    for (const type of Object.keys(cited)) expect(seen.has(type), type).toBe(true);
  });
});
