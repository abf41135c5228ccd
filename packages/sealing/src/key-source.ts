// Where sealing keys come from: configuration locally, Key Vault in Azure. Both yield the same
// KeyRingConfig; the services build the ring once at start (in main()).

import type { TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { createKeyRing } from './key-ring.js';
import type { KeyRing, KeyRingConfig } from './key-ring.js';

export interface KeySource {
  load(): Promise<KeyRingConfig>;
}

export const SEALING_KEYS_ENV = 'TAPLINE_SEALING_KEYS';
export const SEALING_ACTIVE_KID_ENV = 'TAPLINE_SEALING_ACTIVE_KID';

/** Parses `kid1:base64,kid2:base64`; errors name the offending entry, never its key. */
export function parseSealingKeys(spec: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [i, raw] of spec.split(',').entries()) {
    const entry = raw.trim();
    if (entry === '') continue;
    const sep = entry.indexOf(':');
    const kid = sep > 0 ? entry.slice(0, sep).trim() : '';
    const key = sep > 0 ? entry.slice(sep + 1).trim() : '';
    if (kid === '' || key === '') throw new Error(`${SEALING_KEYS_ENV}: entry ${i + 1} is not "kid:base64"`);
    if (kid in keys) throw new Error(`${SEALING_KEYS_ENV}: key id ${JSON.stringify(kid)} appears twice`);
    keys[kid] = key;
  }
  return keys;
}

/** Keys from configuration (local stack and tests). */
export function configKeySource(env: Readonly<Record<string, string | undefined>>): KeySource {
  return {
    load() {
      const spec = env[SEALING_KEYS_ENV];
      const activeKid = env[SEALING_ACTIVE_KID_ENV];
      if (!spec) return Promise.reject(new Error(`${SEALING_KEYS_ENV} is not set`));
      if (!activeKid) return Promise.reject(new Error(`${SEALING_ACTIVE_KID_ENV} is not set`));
      return Promise.resolve({ activeKid, keys: parseSealingKeys(spec) });
    },
  };
}

/** The two Key Vault operations the key source needs; SecretClient provides them in Azure. */
export interface SecretReader {
  /** Names of the vault's enabled secrets. */
  listEnabledNames(): AsyncIterable<string>;
  getValue(name: string): Promise<string | undefined>;
}

export const KEY_VAULT_SECRET_PREFIX = 'sealing-key-';

export function secretClientReader(vaultUrl: string, credential: TokenCredential): SecretReader {
  const client = new SecretClient(vaultUrl, credential);
  return {
    async *listEnabledNames() {
      for await (const props of client.listPropertiesOfSecrets()) {
        if (props.enabled !== false) yield props.name;
      }
    },
    async getValue(name) {
      return (await client.getSecret(name)).value;
    },
  };
}

/**
 * Keys from Key Vault: every enabled secret named `sealing-key-<kid>` (value: base64 of 32 bytes).
 * The active kid comes from configuration, so rotation is: add the new secret, then switch the kid.
 */
export function keyVaultKeySource(options: { readonly activeKid: string; readonly reader: SecretReader }): KeySource {
  return {
    async load() {
      const keys: Record<string, string> = {};
      for await (const name of options.reader.listEnabledNames()) {
        if (!name.startsWith(KEY_VAULT_SECRET_PREFIX)) continue;
        const kid = name.slice(KEY_VAULT_SECRET_PREFIX.length);
        const value = await options.reader.getValue(name);
        if (kid !== '' && value) keys[kid] = value.trim();
      }
      return { activeKid: options.activeKid, keys };
    },
  };
}

export async function loadKeyRing(source: KeySource): Promise<KeyRing> {
  return createKeyRing(await source.load());
}
