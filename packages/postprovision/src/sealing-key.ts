import { randomBytes } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { KEY_VAULT_SECRET_PREFIX } from '@tapline/sealing';
import type { Step } from './provision.js';

/**
 * The active sealing key in Key Vault (`sealing-key-<kid>`, base64 of 32 random bytes), created
 * once when missing and never read back or printed: the worker and notifier read it with their
 * identities. Rotation adds the next kid by hand (docs/deploy.md), so an existing secret is left alone.
 */
export async function ensureSealingKey(vaultUrl: string, kid: string, credential: TokenCredential): Promise<Step> {
  const client = new SecretClient(vaultUrl, credential);
  const name = `${KEY_VAULT_SECRET_PREFIX}${kid}`;
  const what = `sealing key ${name} in ${new URL(vaultUrl).host}`;
  try {
    await client.getSecret(name);
    return { what, outcome: 'unchanged' };
  } catch (err) {
    if ((err as { statusCode?: unknown }).statusCode !== 404) throw err;
  }
  await client.setSecret(name, randomBytes(32).toString('base64'), { contentType: 'tapline sealing key (AES-256-GCM, base64)' });
  return { what, outcome: 'created' };
}
