/**
 * @tapline/intake: the Azure Function that authenticates, validates and enqueues custom-extension
 * call-outs. Services never import each other; this surface is for the service's own entries,
 * tests and benchmarks.
 */
export { main, composeIntake, loadConfig, settingsFrom } from './main.js';
export type { Intake } from './main.js';
export { intakeConfigSchema } from './config.js';
export type { IntakeEnv } from './config.js';
export { routes, bindRoutes, ROUTE_PREFIX } from './routes.js';
export type { RouteDefinition, BoundRoute } from './routes.js';
export type { IntakePorts, IntakeSettings } from './ports.js';
export { startLocalHost } from './local-host.js';
export type { LocalHost, LocalHostOptions } from './local-host.js';
export { createAuthenticator, entraIssuers } from './auth/authenticator.js';
export type { Authenticator, AuthResult, Caller } from './auth/authenticator.js';
export { remoteKeySet } from './auth/remote-key-set.js';
export { createServiceBusRequestSender } from './queue/servicebus-sender.js';
export { createInMemoryRequestQueue } from './queue/in-memory-sender.js';
export type { InMemoryRequestQueue, QueuedRequest } from './queue/in-memory-sender.js';
export type { RequestQueueSender, OutgoingRequest } from './queue/request-queue.js';
export { logEvents } from './logs.js';
export { problemTypes } from './http/problem.js';
