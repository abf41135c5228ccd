import { randomUUID } from 'node:crypto';

/** `POST /_sim/faults` body (README "Fault injection"). */
export interface FaultSpec {
  /** "<METHOD> <path pattern>": `*` matches one path segment, `**` any number; METHOD may be `*`. */
  route: string;
  /** Status to answer with; omit for a latency-only fault. */
  status?: number;
  /** Fire for the next n matching requests, then expire. */
  count?: number;
  /** Fire with this probability (0..1) per matching request. */
  rate?: number;
  /** Seconds for the Retry-After header (fractions allowed). */
  retryAfter?: number;
  /** Delay before answering (or before normal processing for a latency-only fault). */
  latencyMs?: number;
  /** Error code in the Graph error body; default derived from the status. */
  code?: string;
}

export interface Fault extends FaultSpec {
  id: string;
  hits: number;
  remaining: number | null;
}

export class FaultSpecError extends Error {}

export class Faults {
  private faults: Array<Fault & { method: string; pattern: RegExp }> = [];

  add(spec: FaultSpec): Fault {
    const m = /^\s*(\S+)\s+(\/\S*)\s*$/.exec(spec.route ?? '') ?? /^\s*(\/\S*)\s*$/.exec(spec.route ?? '');
    if (!m) throw new FaultSpecError('route must look like "<METHOD> /path/pattern"');
    const [method, path] = m.length === 3 ? [m[1]!.toUpperCase(), m[2]!] : ['*', m[1]!];
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) throw new FaultSpecError('status must be an HTTP status');
    if (spec.rate !== undefined && !(spec.rate >= 0 && spec.rate <= 1)) throw new FaultSpecError('rate must be within 0..1');
    if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count > 0)) throw new FaultSpecError('count must be a positive integer');
    if (spec.latencyMs !== undefined && !(spec.latencyMs >= 0 && spec.latencyMs <= 120_000)) throw new FaultSpecError('latencyMs must be within 0..120000');
    if (spec.retryAfter !== undefined && !(spec.retryAfter >= 0)) throw new FaultSpecError('retryAfter must be >= 0');
    if (spec.status === undefined && spec.latencyMs === undefined) throw new FaultSpecError('a fault needs a status, a latencyMs, or both');
    const fault = { ...spec, id: randomUUID(), hits: 0, remaining: spec.count ?? null, method, pattern: globToRegExp(path) };
    this.faults.push(fault);
    return publicView(fault);
  }

  list(): Fault[] {
    return this.faults.map(publicView);
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault that fires for this request (consuming one of its count), if any. */
  fire(method: string, pathname: string, random: () => number = Math.random): Fault | undefined {
    for (const f of this.faults) {
      if (f.method !== '*' && f.method !== method) continue;
      if (!f.pattern.test(pathname)) continue;
      if (f.rate !== undefined && random() >= f.rate) continue;
      f.hits += 1;
      if (f.remaining !== null) {
        f.remaining -= 1;
        if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
      }
      return publicView(f);
    }
    return undefined;
  }
}

function publicView(f: Fault & { method?: string; pattern?: RegExp }): Fault {
  const { pattern: _p, method: _m, ...rest } = f;
  return { ...rest };
}

function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/').map((seg) => {
    if (seg === '**') return '.*';
    return seg.split('*').map((s) => s.replace(/\{[^}]*\}/g, '\u0000').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\u0000/g, '[^/]+')).join('[^/]*');
  });
  return new RegExp(`^${parts.join('/')}/?$`, 'i');
}
