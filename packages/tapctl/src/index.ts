// @tapline/tapctl: the on-call CLI. The public surface is for tests and other tools (the local
// stack's demo and end-to-end tests may reuse the call-out builder and the ledger follower).

export { runCli, defaultDeps, DEFAULT_TIMEOUT_SECONDS } from './program.js';
export type { CliDeps } from './commands/context.js';
export { CliError, EXIT } from './cli-error.js';
export {
  buildCalloutBody, newCalloutIds, callbackUriPathFor, DEFAULT_STAGE, DEFAULT_REQUEST_TYPE, DEFAULT_CALLBACK_TIMEOUT,
  SIMULATED_ACCESS_PACKAGE, SIMULATED_CATALOG, SIMULATED_POLICY, SIMULATED_QUESTION_ID,
} from './callout-body.js';
export type { CalloutIds, CalloutInput, CalloutSubject, CalloutEntity } from './callout-body.js';
export { followRequest } from './follow.js';
export type { FollowOptions, FollowResult, LedgerReader } from './follow.js';
export { timelineOf, formatStep, timelineHeader, scrubDeep } from './timeline.js';
export type { TimelineStep } from './timeline.js';
export { loadStack, locateStackFile, DEFAULT_STACK_FILE } from './stack-file.js';
export type { Stack, LoadedStack } from './stack-file.js';
export type { SimulateResult } from './commands/simulate.js';
export type { StatusDocument } from './commands/status.js';
