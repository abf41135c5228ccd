// @tapline/sealing: AES-256-GCM sealing for the tap-deliveries queue. See README.md.

export { createKeyRing } from './key-ring.js';
export type { KeyRing, KeyRingConfig } from './key-ring.js';
export { contactsAad, sealingAad, secretAad } from './aad.js';
export type { SealedBox, SealedField } from '@tapline/domain';
export { SealedBoxTamperedError, SealingKeyUnavailableError } from './errors.js';
export {
  KEY_VAULT_SECRET_PREFIX, SEALING_ACTIVE_KID_ENV, SEALING_KEYS_ENV, configKeySource, keyVaultKeySource,
  loadKeyRing, parseSealingKeys, secretClientReader,
} from './key-source.js';
export type { KeySource, SecretReader } from './key-source.js';
