/**
 * @tapline/config: typed configuration from environment variables, parsed in `main()`.
 */
export { parseConfig } from './parse-config.js';
export type { Env } from './parse-config.js';
export { ConfigError } from './config-error.js';
export type { ConfigIssue } from './config-error.js';
export { env } from './env.js';
