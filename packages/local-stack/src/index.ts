export { startStack, PortsTakenError } from './start-stack.js';
export type { StackHandle, StartOptions } from './start-stack.js';
export { DEFAULT_PORTS, freePorts, portsFromEnv } from './ports.js';
export type { Ports, PortName } from './ports.js';
export { LOCAL_TENANT, repoRoot } from './stack.js';
export type { StackInfo } from './stack.js';
export { stopOne, StartupError } from './supervisor.js';
export type { RunningProcess } from './supervisor.js';
