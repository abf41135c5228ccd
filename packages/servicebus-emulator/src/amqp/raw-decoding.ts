/**
 * rhea decodes every format-0 transfer into a JS object, which loses AMQP types and costs time
 * (pitfall 1). While one of the broker's connections is reading its socket, rhea's decoder is
 * swapped for one that keeps the raw bytes; everywhere else (an SDK client in the same process,
 * say) decoding is unchanged. Reading a socket chunk is synchronous, so a depth counter is exact.
 */
import { decodeMessage, rhea, type Connection } from './rhea.js';

/** A transfer's payload as received, for the broker to split itself. */
export class RawPayload {
  constructor(readonly bytes: Buffer) {}
}

let rawDepth = 0;
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const decoder = rhea.message as unknown as { decode: (buffer: Buffer) => unknown };
  decoder.decode = (buffer: Buffer) => (rawDepth > 0 ? new RawPayload(buffer) : decodeMessage(buffer));
}

/** Makes the connection's socket input decode transfers as RawPayload. Call before `accept`. */
export function decodeRawOn(connection: Connection): void {
  install();
  const target = connection as unknown as { input: (chunk: Buffer) => void };
  const input = target.input;
  target.input = function rawInput(this: unknown, chunk: Buffer) {
    rawDepth++;
    try {
      input.call(this, chunk);
    } finally {
      rawDepth--;
    }
  };
}
