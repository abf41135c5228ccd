// W3C Trace Context (https://www.w3.org/TR/trace-context/) for the enqueue hop: the incoming
// `traceparent` is continued (same trace id, this hop's own span id), or a new trace is started
// when it is absent or malformed, so one trace spans relay -> intake -> worker -> notifier.
import { randomFillSync } from 'node:crypto';

export interface TraceContext {
  /** The `traceparent` this hop propagates downstream. */
  readonly traceparent: string;
  /** The incoming `tracestate`, passed through untouched when the parent was valid. */
  readonly tracestate?: string;
  readonly traceId: string;
  readonly spanId: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

interface ParsedParent {
  readonly traceId: string;
  readonly flags: string;
}

export function parseTraceparent(header: string | null | undefined): ParsedParent | undefined {
  if (header === null || header === undefined || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === undefined || traceId === undefined || parentId === undefined || flags === undefined) return undefined;
  // Version ff is forbidden; version 00 allows nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, flags };
}

// Ids come from a pool refilled 4 KiB at a time: one CSPRNG call per ~170 requests, not two each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomHex(bytes: number, zero: string): string {
  for (;;) {
    if (poolOffset + bytes > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (hex !== zero) return hex;
  }
}

/** Continue the incoming trace, or start a sampled one. */
export function continueTrace(traceparent: string | null, tracestate: string | null): TraceContext {
  const parent = parseTraceparent(traceparent);
  const spanId = randomHex(8, ZERO_SPAN);
  if (parent) {
    const state = tracestate !== null && tracestate.length > 0 && tracestate.length <= 512 ? tracestate : undefined;
    return {
      traceparent: `00-${parent.traceId}-${spanId}-${parent.flags}`,
      traceId: parent.traceId,
      spanId,
      ...(state === undefined ? {} : { tracestate: state }),
    };
  }
  const traceId = randomHex(16, ZERO_TRACE);
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}
