// `postprovision`: azd's postprovision hook (azure.yaml). Reads azd's environment, makes the
// Entra objects match what tapline declares (provision.ts), prints what changed and what an
// administrator must still do by hand. Exit 2 on a configuration error, 1 on a failed call.
import { DefaultAzureCredential } from '@azure/identity';
import { ConfigError, parseConfig } from '@tapline/config';
import { NOTIFIER_GRAPH_APP_ROLES } from '@tapline/notifier';
import { WORKER_GRAPH_APP_ROLES } from '@tapline/worker';
import { provisioningGraphClient } from './graph-client.js';
import { manualSteps } from './manual-steps.js';
import { provisionEntra } from './provision.js';
import type { Step } from './provision.js';
import { ensureSealingKey } from './sealing-key.js';
import { provisioningSettingsSchema } from './settings.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

try {
  const settings = parseConfig(provisioningSettingsSchema, process.env);
  const credential = new DefaultAzureCredential();
  const graph = provisioningGraphClient(settings.GRAPH_BASE_URL, credential);
  const result = await provisionEntra(graph, settings, { worker: WORKER_GRAPH_APP_ROLES, notifier: NOTIFIER_GRAPH_APP_ROLES });
  const sealing: Step = settings.SEALING_KEY_VAULT_URL === undefined
    ? { what: 'sealing key (SEALING_KEY_VAULT_URL not set)', outcome: 'skipped' }
    : await ensureSealingKey(settings.SEALING_KEY_VAULT_URL, settings.TAPLINE_SEALING_ACTIVE_KID, credential);
  out('Entra objects and the sealing key:');
  for (const step of [...result.steps, sealing]) out(`  ${step.outcome.padEnd(9)} ${step.what}${step.reason !== undefined ? `: ${step.reason}` : ''}`);
  const changed = [...result.steps, sealing].filter((s) => s.outcome === 'created' || s.outcome === 'updated' || s.outcome === 'removed').length;
  out(changed === 0 ? 'Nothing changed.' : `${String(changed)} change(s) made.`);
  out(`Intake app registration: appId ${result.intakeAppId}`);
  out('');
  out('Still to do by hand:');
  manualSteps(settings, result).forEach((step, i) => out(`  ${String(i + 1)}. ${step}`));
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`postprovision: ${err.message}\n(run it through azd, which sets these from the provisioned environment)\n`);
    process.exit(2);
  }
  const status = (err as { statusCode?: unknown }).statusCode;
  const hint = status === 403
    ? ' The account running azd needs Graph rights to create the app registration and assign app roles (Privileged Role Administrator, or Application Administrator plus AppRoleAssignment.ReadWrite.All consented) and Identity Governance Administrator for the custom extension.'
    : '';
  process.stderr.write(`postprovision: ${err instanceof Error ? err.message : String(err)}.${hint}\n`);
  process.exit(1);
}
