/**
 * Graph's identity-and-access throttling (platform facts section 6): token buckets per
 * application + tenant for resource units (per 10 s, sized by tenant users) and writes (per
 * 150 s), plus the identity-and-access *reports* limit (5 requests per 10 s) for `/auditLogs`.
 * Buckets refill continuously; a throttled request is not charged (a best guess: Graph says it
 * keeps logging usage while a client is throttled, but not how much).
 */

export interface ThrottleSettings {
  enabled: boolean;
  resourceUnits: number;
  resourceUnitWindowSeconds: number;
  writes: number;
  writeWindowSeconds: number;
  reportsRequests: number;
  reportsWindowSeconds: number;
}

/** Documented limits; `scale` multiplies every quota (minimum 1) so tests can hit them cheaply. */
export function defaultThrottleSettings(userCount: number, scale = 1): ThrottleSettings {
  const ru = userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
  const scaled = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    enabled: true,
    resourceUnits: scaled(ru),
    resourceUnitWindowSeconds: 10,
    writes: scaled(3000),
    writeWindowSeconds: 150,
    reportsRequests: scaled(5),
    reportsWindowSeconds: 10,
  };
}

class Bucket {
  private tokens: number;
  private last: number;

  constructor(private capacity: number, private windowMs: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.capacity) / this.windowMs);
    this.last = now;
  }

  /** Milliseconds until `cost` tokens are available (0 when they are now). */
  waitFor(cost: number, now: number): number {
    this.refill(now);
    if (cost <= 0 || this.tokens >= cost) return 0;
    return ((cost - this.tokens) * this.windowMs) / this.capacity;
  }

  take(cost: number): void {
    this.tokens -= cost;
  }

  /** Share of the quota in use, Graph's x-ms-throttle-limit-percentage (0.8..1.8 when shown). */
  usage(): number {
    return (this.capacity - this.tokens) / this.capacity;
  }
}

interface AppBuckets {
  ru: Bucket;
  writes: Bucket;
  reports: Bucket;
}

export type ThrottleDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterSeconds: number; headers: Record<string, string> };

export class Throttle {
  private buckets = new Map<string, AppBuckets>();

  constructor(private settings: ThrottleSettings, private readonly tenantId: string) {}

  current(): ThrottleSettings {
    return { ...this.settings };
  }

  /** Replaces the settings and refills every bucket. */
  configure(patch: Partial<ThrottleSettings>): ThrottleSettings {
    this.settings = { ...this.settings, ...patch };
    this.buckets.clear();
    return this.current();
  }

  reset(): void {
    this.buckets.clear();
  }

  check(appId: string, service: 'identity' | 'reports', resourceUnits: number, writes: number, now = Date.now()): ThrottleDecision {
    if (!this.settings.enabled) return { ok: true, headers: {} };
    const b = this.bucketsFor(appId, now);
    if (service === 'reports') {
      const wait = b.reports.waitFor(1, now);
      if (wait > 0) return this.throttled(wait, `Tenant_Application/Read/${appId}/${this.tenantId}`, 'ReportsLimitExceeded', b.reports.usage());
      b.reports.take(1);
      return { ok: true, headers: usageHeader(b.reports.usage()) };
    }
    const ruWait = b.ru.waitFor(resourceUnits, now);
    const writeWait = b.writes.waitFor(writes, now);
    if (writeWait > 0 && writeWait >= ruWait) {
      return this.throttled(writeWait, `Tenant_Application/Write/${appId}/${this.tenantId}`, 'WriteLimitExceeded', b.writes.usage());
    }
    if (ruWait > 0) return this.throttled(ruWait, `Tenant_Application/ReadWrite/${appId}/${this.tenantId}`, 'ResourceUnitLimitExceeded', b.ru.usage());
    b.ru.take(resourceUnits);
    b.writes.take(writes);
    return {
      ok: true,
      headers: { 'x-ms-resource-unit': String(resourceUnits), ...usageHeader(Math.max(b.ru.usage(), b.writes.usage())) },
    };
  }

  private throttled(waitMs: number, scope: string, information: string, usage: number): ThrottleDecision {
    // Rounded up to the millisecond (plus one) so a client that waits exactly this long gets through.
    const retryAfterSeconds = Math.ceil(waitMs + 1) / 1000;
    return {
      ok: false,
      retryAfterSeconds,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'x-ms-throttle-scope': scope,
        'x-ms-throttle-information': information,
        'x-ms-throttle-limit-percentage': Math.min(1.8, Math.max(0.8, usage)).toFixed(2),
      },
    };
  }

  private bucketsFor(appId: string, now: number): AppBuckets {
    let b = this.buckets.get(appId);
    if (!b) {
      const s = this.settings;
      b = {
        ru: new Bucket(s.resourceUnits, s.resourceUnitWindowSeconds * 1000, now),
        writes: new Bucket(s.writes, s.writeWindowSeconds * 1000, now),
        reports: new Bucket(s.reportsRequests, s.reportsWindowSeconds * 1000, now),
      };
      this.buckets.set(appId, b);
    }
    return b;
  }
}

function usageHeader(usage: number): Record<string, string> {
  return usage > 0.8 ? { 'x-ms-throttle-limit-percentage': Math.min(1.8, usage).toFixed(2) } : {};
}

/**
 * Resource-unit cost of a request (Graph's table): the route's base cost, -1 for `$select`,
 * +1 for `$expand`, -1 for `$top` under 20, never below 1; writes cost one write unit.
 */
export function requestCost(method: string, baseCost: number, query: URLSearchParams): { resourceUnits: number; writes: number } {
  let ru = baseCost;
  if (query.has('$select')) ru -= 1;
  if (query.has('$expand')) ru += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && top < 20) ru -= 1;
  return { resourceUnits: Math.max(1, ru), writes: method === 'GET' ? 0 : 1 };
}
