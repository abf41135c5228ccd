/**
 * @tapline/observability: structured logging with redaction. Metrics and traces join later.
 */
export { createLogger, childLogger } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { registerSecret, registeredSecretCount, clearRegisteredSecrets, SECRET_REGISTRY_MAX_ENTRIES, SECRET_REGISTRY_DEFAULT_TTL_MS } from './secret-registry.js';
export { redactForLog, isSensitiveKey, REDACTED } from './redact.js';
