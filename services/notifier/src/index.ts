// @tapline/notifier: the tap-deliveries consumer. `main()` is the composition root; the schema is
// exported so the local stack can validate the environment it passes. See README.md.
export { main } from './main.js';
export type { RunningNotifier } from './main.js';
export { notifierConfigSchema } from './config.js';
export type { NotifierConfig } from './config.js';
export { NOTIFIER_GRAPH_APP_ROLES } from './graph-permissions.js';
