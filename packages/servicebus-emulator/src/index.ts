export { startEmulator, type EmulatorOptions, type RunningEmulator } from './emulator.js';
export { spawnEmulator, type SpawnOptions, type SpawnedEmulator } from './spawn.js';
export { parseReadyLine, type ReadyInfo } from './ready-line.js';
export {
  defaultTopologyPath, loadTopology, validateTopology,
  type QueueConfig, type QueueProperties, type Topology, type ValidateOptions,
} from './topology.js';
export { parseIsoDuration } from './iso-duration.js';
