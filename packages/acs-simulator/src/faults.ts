import { randomUUID } from 'node:crypto';

/**
 * Fault injection, shared in shape with the tenant simulator:
 * `POST /_sim/faults { route: "<METHOD> <path pattern>", status, count | rate, retryAfter, latencyMs }`.
 *
 * - `route`: a method (or `*`) and a path pattern where `*` matches any characters, e.g.
 *   `POST /sms`, `GET /emails/operations/*`, `* *`. Matched against the path without the query.
 * - `count`: apply this many times, then the fault is gone. `rate`: apply with this probability
 *   (0..1) each time. Neither: apply every time until `DELETE /_sim/faults`.
 * - `latencyMs` delays the answer; with no `status` the request is then served normally.
 * - `recipient`: instead of failing the whole request, fail one recipient: an SMS recipient gets a
 *   per-recipient result with `status` (default 400); an email recipient is dropped, and an email
 *   whose recipients are all dropped ends `Failed` (default code EmailDroppedAllRecipientsSuppressed).
 */
export interface Fault {
  id: string;
  route: string;
  method: string;
  pathPattern: string;
  status?: number;
  count?: number;
  rate?: number;
  retryAfter?: number;
  latencyMs?: number;
  recipient?: string;
  errorCode?: string;
  errorMessage?: string;
  /** How many times it has fired. */
  applied: number;
}

export class FaultSpecError extends Error {}

const MAX_LATENCY_MS = 120_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalNumber(spec: Record<string, unknown>, name: string, check: (n: number) => boolean, rule: string): number | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new FaultSpecError(`${name} must be ${rule}`);
  }
  return value;
}

function optionalString(spec: Record<string, unknown>, name: string): string | undefined {
  const value = spec[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) {
    throw new FaultSpecError(`${name} must be a non-empty string`);
  }
  return value;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

export function parseFaultSpec(input: unknown): Fault {
  if (!isRecord(input)) throw new FaultSpecError('a fault must be a JSON object');
  const route = optionalString(input, 'route');
  if (route === undefined) throw new FaultSpecError('route is required, e.g. "POST /sms"');
  const parts = route.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined) {
    throw new FaultSpecError('route must be "<METHOD> <path pattern>"');
  }
  const [method, pathPattern] = parts;
  if (pathPattern !== '*' && !pathPattern.startsWith('/')) {
    throw new FaultSpecError('the path pattern must start with / (or be *)');
  }
  const fault: Fault = {
    id: randomUUID(),
    route: `${method.toUpperCase()} ${pathPattern}`,
    method: method.toUpperCase(),
    pathPattern,
    status: optionalNumber(input, 'status', (n) => Number.isInteger(n) && n >= 400 && n <= 599, 'an HTTP status from 400 to 599'),
    count: optionalNumber(input, 'count', (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    rate: optionalNumber(input, 'rate', (n) => n >= 0 && n <= 1, 'a probability from 0 to 1'),
    retryAfter: optionalNumber(input, 'retryAfter', (n) => n >= 0 && n <= 86_400, 'seconds from 0 to 86400'),
    latencyMs: optionalNumber(input, 'latencyMs', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_LATENCY_MS, `milliseconds from 0 to ${MAX_LATENCY_MS}`),
    recipient: optionalString(input, 'recipient'),
    errorCode: optionalString(input, 'errorCode'),
    errorMessage: optionalString(input, 'errorMessage'),
    applied: 0,
  };
  if (fault.status === undefined && fault.latencyMs === undefined && fault.recipient === undefined) {
    throw new FaultSpecError('a fault needs a status, a latencyMs, or a recipient');
  }
  if (fault.recipient !== undefined && fault.latencyMs !== undefined) {
    throw new FaultSpecError('a recipient fault cannot also add latency; add a separate route fault');
  }
  return fault;
}

export class FaultTable {
  private faults: Fault[] = [];
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly random: () => number = Math.random) {}

  add(input: unknown): Fault {
    const fault = parseFaultSpec(input);
    this.faults.push(fault);
    this.patterns.set(fault.id, globToRegExp(fault.pathPattern));
    return fault;
  }

  list(): readonly Fault[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
    this.patterns.clear();
  }

  /** The request-level fault to apply to this call, if any; consumes one use of it. */
  takeRouteFault(method: string, path: string): Fault | undefined {
    return this.take((f) => f.recipient === undefined && this.routeMatches(f, method, path));
  }

  /** The fault to apply to one recipient of this call, if any; consumes one use of it. */
  takeRecipientFault(method: string, path: string, recipient: string): Fault | undefined {
    const wanted = recipient.toLowerCase();
    return this.take((f) => f.recipient?.toLowerCase() === wanted && this.routeMatches(f, method, path));
  }

  private routeMatches(fault: Fault, method: string, path: string): boolean {
    if (fault.method !== '*' && fault.method !== method.toUpperCase()) return false;
    return this.patterns.get(fault.id)?.test(path) ?? false;
  }

  private take(matches: (f: Fault) => boolean): Fault | undefined {
    for (const fault of this.faults) {
      if (!matches(fault)) continue;
      if (fault.rate !== undefined && this.random() >= fault.rate) continue;
      fault.applied += 1;
      if (fault.count !== undefined && fault.applied >= fault.count) {
        this.faults = this.faults.filter((f) => f !== fault);
        this.patterns.delete(fault.id);
      }
      return fault;
    }
    return undefined;
  }
}
