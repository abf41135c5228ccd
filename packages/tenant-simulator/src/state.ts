import { AppRegistry } from './directory/app-registry.js';
import { AssignmentRequests, type ResumeCall } from './directory/assignment-requests.js';
import { Directory } from './directory/org.js';
import { TapStore } from './directory/tap-store.js';
import { CallLog } from './call-log.js';
import { graphRoutes } from './graph/routes.js';
import { Faults } from './faults.js';
import type { OrgFixture } from './fixture/types.js';
import type { KeyRing } from './identity/keys.js';
import type { TokenIssuer } from './identity/tokens.js';
import type { Throttle } from './throttle.js';

/** How the directory behaves in time; kept across `/_sim/reset` (like the throttle settings). */
export interface DirectorySettings {
  /** Seconds between an activity and its audit entry being readable (Entra: 2 min p95, 5 min p99). */
  auditLatencySeconds: number;
  /** Users per `users/delta` page. */
  deltaPageSize: number;
  /** How long a delta state token stays valid (Graph: 7 days for identity resources). */
  deltaTokenLifetimeSeconds: number;
}

export const defaultDirectorySettings = (): DirectorySettings => ({ auditLatencySeconds: 0, deltaPageSize: 200, deltaTokenLifetimeSeconds: 7 * 24 * 3600 });

/**
 * Everything one simulator instance holds. `resetTenant()` rebuilds the directory from the
 * fixture with a fresh start time (so "changed an hour ago" stays an hour ago); keys stay, so
 * tokens already issued keep working.
 */
export class SimulatorState {
  directory: Directory;
  readonly directorySettings: DirectorySettings;
  /** Delta tokens issued before this time are expired (`POST /_sim/directory/expire-delta-tokens`). */
  deltaTokensValidFrom = 0;
  startedAt: Date;
  readonly taps = new TapStore();
  readonly assignmentRequests: AssignmentRequests;
  readonly resumeCalls: ResumeCall[] = [];
  readonly calls = new CallLog();
  readonly faults = new Faults();
  /** Applications, service principals, app-role assignments, catalogs: kept across resets, like keys. */
  readonly apps: AppRegistry;

  constructor(
    readonly fixture: OrgFixture,
    readonly keys: KeyRing,
    readonly issuer: TokenIssuer,
    readonly throttle: Throttle,
    autoWait: boolean,
    directorySettings: Partial<DirectorySettings> = {},
  ) {
    this.directorySettings = { ...defaultDirectorySettings(), ...directorySettings };
    this.startedAt = new Date();
    this.directory = new Directory(fixture, this.startedAt);
    this.assignmentRequests = new AssignmentRequests(autoWait);
    this.apps = new AppRegistry(fixture.apps, fixture.resources, fixture.catalogs ?? [], this.startedAt, [...new Set(graphRoutes.flatMap((r) => r.permissions))]);
  }

  resetTenant(): void {
    this.startedAt = new Date();
    this.directory = new Directory(this.fixture, this.startedAt);
    this.taps.clear();
    this.assignmentRequests.clear();
    this.resumeCalls.length = 0;
    this.calls.clear();
    this.faults.clear();
    this.throttle.reset();
  }
}
