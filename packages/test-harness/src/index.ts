/**
 * @tapline/test-harness: what the suites need to run the real processes (bins) they test against.
 * Test-only; no service imports it.
 */
export { freePort } from './free-port.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export {
  spawnProcess, spawnReady,
  type Exit, type ReadyProcess, type SpawnOptions, type SpawnReadyOptions, type SpawnedProcess,
} from './spawn-ready.js';
export { startAzurite, type Azurite, type AzuriteOptions } from './azurite.js';
export { startTenantSimulator, type TenantSimulatorProcess } from './tenant-simulator.js';
export { startAcsSimulator, type AcsSimulatorProcess } from './acs-simulator.js';
export { useManagedIdentityOf } from './managed-identity.js';
export { processCpuMs } from './process-cpu.js';
