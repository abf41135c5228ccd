import { AcsHttpError } from './acs-error.js';
import { FaultSpecError } from './faults.js';
import { parseJsonBody } from './json-body.js';
import { renderOutboxPage } from './outbox-page.js';
import { resetState, type SimulatorState } from './state.js';

/** What the `/_sim/` routes answer; the server writes it. */
export type SimReply =
  | { status: number; json: unknown }
  | { status: number; html: string }
  | { status: 204 };

const CHANNELS = new Set(['sms', 'email']);

/**
 * Inspection and control for tests and people, never on an ACS path:
 * health, outbox (JSON and HTML), faults, reset.
 */
export function handleSimRequest(state: SimulatorState, method: string, url: URL, body: Buffer): SimReply {
  const route = `${method} ${url.pathname}`;
  switch (route) {
    case 'GET /_sim/health':
      return { status: 200, json: { status: 'ok' } };
    case 'GET /_sim/outbox': {
      const channel = url.searchParams.get('channel') ?? undefined;
      if (channel !== undefined && !CHANNELS.has(channel)) {
        throw new AcsHttpError(400, 'BadRequest', "channel must be 'sms' or 'email'.");
      }
      const to = url.searchParams.get('to') ?? undefined;
      return { status: 200, json: { messages: state.outbox.list({ to, channel }) } };
    }
    case 'GET /_sim/outbox.html':
      return { status: 200, html: renderOutboxPage(state.outbox.list()) };
    case 'GET /_sim/faults':
      return { status: 200, json: { faults: state.faults.list() } };
    case 'POST /_sim/faults':
      try {
        return { status: 201, json: state.faults.add(parseJsonBody(body)) };
      } catch (err) {
        if (err instanceof FaultSpecError) throw new AcsHttpError(400, 'BadRequest', err.message);
        throw err;
      }
    case 'DELETE /_sim/faults':
      state.faults.clear();
      return { status: 204 };
    case 'POST /_sim/reset':
      resetState(state);
      return { status: 204 };
    default:
      throw new AcsHttpError(404, 'NotFound', `No simulator route ${route}.`);
  }
}
