import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configKeySource, keyVaultKeySource, loadKeyRing, parseSealingKeys } from '@tapline/sealing';
import type { SecretReader } from '@tapline/sealing';

const key = (): string => randomBytes(32).toString('base64');

describe('config key source', () => {
  it('parses TAPLINE_SEALING_KEYS and the active kid into a working ring', async () => {
    const k1 = key();
    const k2 = key();
    const ring = await loadKeyRing(configKeySource({ TAPLINE_SEALING_KEYS: `k1:${k1}, k2:${k2}`, TAPLINE_SEALING_ACTIVE_KID: 'k2' }));
    expect(ring.activeKid).toBe('k2');
    expect([...ring.kids].sort()).toEqual(['k1', 'k2']);
    const opener = await loadKeyRing(configKeySource({ TAPLINE_SEALING_KEYS: `k2:${k2}`, TAPLINE_SEALING_ACTIVE_KID: 'k2' }));
    expect(opener.open(ring.seal('hello', 'a'), 'a')).toBe('hello');
  });

  it('names the bad entry, never the key', () => {
    const k = key();
    expect(() => parseSealingKeys(`k1:${k},broken`)).toThrow(/entry 2 is not "kid:base64"/);
    expect(() => parseSealingKeys(`k1:${k},k1:${k}`)).toThrow(/appears twice/);
    try { parseSealingKeys(`k1:${k},k1:${k}`); } catch (e) { expect(String(e)).not.toContain(k); }
  });

  it('fails clearly when a variable is missing', async () => {
    await expect(configKeySource({ TAPLINE_SEALING_ACTIVE_KID: 'k1' }).load()).rejects.toThrow(/TAPLINE_SEALING_KEYS is not set/);
    await expect(configKeySource({ TAPLINE_SEALING_KEYS: `k1:${key()}` }).load()).rejects.toThrow(/TAPLINE_SEALING_ACTIVE_KID is not set/);
  });
});

describe('Key Vault key source', () => {
  function vault(secrets: Record<string, string>): SecretReader & { reads: string[] } {
    const reads: string[] = [];
    return {
      reads,
      async *listEnabledNames() {
        await Promise.resolve();
        yield* Object.keys(secrets);
      },
      getValue(name) {
        reads.push(name);
        return Promise.resolve(secrets[name]);
      },
    };
  }

  it('reads every sealing-key-<kid> secret and ignores the rest', async () => {
    const k1 = key();
    const k2 = key();
    const reader = vault({ 'sealing-key-k1': k1, 'sealing-key-k2': k2, 'acs-connection': 'endpoint=...' });
    const config = await keyVaultKeySource({ activeKid: 'k2', reader }).load();
    expect(config).toEqual({ activeKid: 'k2', keys: { k1, k2 } });
    expect(reader.reads.sort()).toEqual(['sealing-key-k1', 'sealing-key-k2']);
  });

  it('a vault without the active kid yields no ring', async () => {
    await expect(loadKeyRing(keyVaultKeySource({ activeKid: 'k3', reader: vault({ 'sealing-key-k1': key() }) })))
      .rejects.toMatchObject({ reason: 'SealingKeyUnavailable' });
  });
});
