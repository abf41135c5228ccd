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

/**
 * Everything one simulator instance holds. `resetTenant()` rebuilds the directory from the
 * fixture with a fresh start time (so "changed an hour ago" stays an hour ago); keys stay, so
 * tokens already issued keep working.
 */
export class SimulatorState {
  directory: Directory;
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
  ) {
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
