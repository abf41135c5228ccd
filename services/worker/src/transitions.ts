// Status writes through the ledger's state machine, tolerant of one race: another process (the
// notifier, a concurrent redelivery) may have moved the request on since we read it. That is not
// a bug: the caller settles the message as a duplicate.
import type { RequestStatus } from '@tapline/domain';
import type { RequestPatch } from '@tapline/ledger';
import type { WorkerDeps } from './ports.js';

export async function moveTo(
  deps: WorkerDeps, requestId: string, expectedFrom: RequestStatus, to: RequestStatus, patch: RequestPatch = {},
): Promise<'moved' | 'moved-on'> {
  try {
    await deps.ledger.transition(requestId, to, patch, deps.now());
    return 'moved';
  } catch (err) {
    if (err instanceof Error && err.name === 'IllegalTransition') {
      const current = await deps.ledger.getRequest(requestId);
      // Illegal from where it is now, and it is no longer where we left it: someone moved it on.
      if (current !== null && current.status !== expectedFrom) return 'moved-on';
    }
    throw err;
  }
}
