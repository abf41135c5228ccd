// `entra-provisioning`: azd's postprovision hook (azure.yaml). Reads azd's environment, makes the
// Entra objects match what tapline declares (provision.ts), prints what changed and what an
// administrator must still do by hand. Exit 2 on a configuration error, 1 on a failed call.
import { DefaultAzureCredential } from '@azure/identity';
import { ConfigError, parseConfig } from '@tapline/config';
import { NOTIFIER_GRAPH_APP_ROLES } from '@tapline/notifier';
import { WORKER_GRAPH_APP_ROLES } from '@tapline/worker';
import { provisioningGraphClient } from './graph-client.js';
import { manualSteps } from './manual-steps.js';
import { provisionEntra } from './provision.js';
import { provisioningSettingsSchema } from './settings.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

try {
  const settings = parseConfig(provisioningSettingsSchema, process.env);
  const graph = provisioningGraphClient(settings.GRAPH_BASE_URL, new DefaultAzureCredential());
  const result = await provisionEntra(graph, settings, { worker: WORKER_GRAPH_APP_ROLES, notifier: NOTIFIER_GRAPH_APP_ROLES });
  out('Entra objects:');
  for (const step of result.steps) out(`  ${step.outcome.padEnd(9)} ${step.what}${step.reason !== undefined ? `: ${step.reason}` : ''}`);
  const changed = result.steps.filter((s) => s.outcome === 'created' || s.outcome === 'updated' || s.outcome === 'removed').length;
  out(changed === 0 ? 'Nothing changed.' : `${String(changed)} change(s) made.`);
  out(`Intake app registration: appId ${result.intakeAppId}`);
  out('');
  out('Still to do by hand:');
  manualSteps(settings, result).forEach((step, i) => out(`  ${String(i + 1)}. ${step}`));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`entra-provisioning: ${err.message}\n(run it through azd, which sets these from the provisioned environment)\n`);
    process.exit(2);
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  const hint = status === 403
    ? ' The account running azd needs Graph rights to create the app registration and assign app roles (Privileged Role Administrator, or Application Administrator plus AppRoleAssignment.ReadWrite.All consented) and Identity Governance Administrator for the custom extension.'
    : '';
  process.stderr.write(`entra-provisioning: ${err instanceof Error ? err.message : String(err)}.${hint}\n`);
  process.exit(1);
}
