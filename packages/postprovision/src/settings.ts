// What the hook needs, read from the environment azd gives its hooks: azd's own variables and
// the outputs of infra/main.bicep (same names). One zod schema, parsed in main(), names only in errors.
import { env } from '@tapline/config';
import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { error: 'must be a GUID' });

export const provisioningSettingsSchema = z.object({
  AZURE_TENANT_ID: env.string().pipe(guid),
  AZURE_SUBSCRIPTION_ID: env.string().pipe(guid),
  AZURE_RESOURCE_GROUP: env.string({ max: 90 }),
  /** The intake's app registration: its identifier URI is the audience the relay asks tokens for. */
  INTAKE_APP_IDENTIFIER_URI: env.string({ max: 400 }),
  INTAKE_APP_DISPLAY_NAME: env.string({ max: 120 }),
  /** Object ids of the managed identities' service principals (the Bicep outputs' principalId). */
  RELAY_PRINCIPAL_ID: env.string().pipe(guid),
  WORKER_PRINCIPAL_ID: env.string().pipe(guid),
  NOTIFIER_PRINCIPAL_ID: env.string().pipe(guid),
  RELAY_WORKFLOW_NAME: env.string({ max: 80 }),
  /** The catalog holding tapline's access package (`azd env set ENTRA_CATALOG_ID ...`); unset: the extension step is skipped. */
  ENTRA_CATALOG_ID: env.string().pipe(guid).optional(),
  /** How long Entra waits for tapline's resume before the request times out (ISO 8601). */
  ENTRA_CALLBACK_TIMEOUT: env.string().pipe(z.string().regex(/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?)?$/, { error: 'must be an ISO 8601 duration such as PT4H' })).default('PT4H'),
  /** The vault holding the sealing keys; unset: the sealing-key step is skipped (tests, other setups). */
  SEALING_KEY_VAULT_URL: env.url({ protocols: ['https:'] }).optional(),
  TAPLINE_SEALING_ACTIVE_KID: env.string({ max: 64 }).default('k1'),
  /** Graph's base URL; the tenant simulator's in tests. */
  GRAPH_BASE_URL: env.url({ protocols: ['https:', 'http:'] }).default('https://graph.microsoft.com'),
});

export type ProvisioningSettings = z.output<typeof provisioningSettingsSchema>;
