import { Client, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { GraphCallStats } from './ports.js';
import type { ThrottleGate } from './throttle-gate.js';
import { parseRetryAfter } from './translate-graph-error.js';

/**
 * The Graph client with our own middleware chain: [policy, bearer, HTTP]. Deliberately no
 * RetryHandler: the project's retry and throttle policy governs (in-process backoff, delayed
 * retries, the shared gate); the SDK's would retry behind our back (toolchain section 6), and a
 * hidden retry is also an extra charge against Graph's budget.
 *
 * The SDK's own AuthenticationHandler attaches no token to an `http://` base URL and even strips
 * one set by hand (toolchain gotcha 10), so `BearerFrom` sets it for every host.
 */
export interface GraphClientOptions {
  /** `https://graph.microsoft.com` in Azure; the tenant simulator's URL locally. */
  readonly baseUrl: string;
  readonly credential: TokenCredential;
  /** Default `https://graph.microsoft.com/.default` (the token audience, whatever the base URL). */
  readonly scope?: string;
  readonly gate: ThrottleGate;
  /** Per-request timeout; a timed-out call is retryable. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** When a 429 carries no Retry-After (Graph's advice: back off anyway). Default 2 s. */
  readonly defaultThrottleMs?: number;
  /** Told about every 429 (metrics: `graph.throttled`). */
  readonly onThrottled?: (retryAfterMs: number) => void;
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphTransport {
  readonly client: Client;
  readonly baseUrl: string;
  readonly stats: () => GraphCallStats;
  /** Counts one write (the TAP issuer and resume call it). */
  countWrite(): void;
}

export function createGraphTransport(options: GraphClientOptions): GraphTransport {
  const counts = { calls: 0, throttled: 0, failed: 0, writes: 0 };
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const policy = new CallPolicy(options, counts);
  const bearer = new BearerFrom(options.credential, options.scope ?? GRAPH_SCOPE);
  const middleware: Middleware[] = [policy, bearer, new HTTPMessageHandler()];
  const client = Client.initWithMiddleware({ baseUrl, middleware, defaultVersion: 'v1.0' });
  return {
    client,
    baseUrl,
    stats: () => ({ ...counts }),
    countWrite: () => {
      counts.writes += 1;
    },
  };
}

/** Gate, timeout and counting for every call, in one place. */
class CallPolicy implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly options: GraphClientOptions,
    private readonly counts: { calls: number; throttled: number; failed: number },
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('CallPolicy needs a next middleware');
    await this.options.gate.pass();
    const fetchOptions = (context.options ??= {});
    fetchOptions.signal = AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000);
    this.counts.calls += 1;
    try {
      await this.next.execute(context);
    } catch (err) {
      this.counts.failed += 1;
      throw err;
    }
    const response = context.response;
    if (!response) return;
    if (response.status === 429) {
      this.counts.throttled += 1;
      const ms = parseRetryAfter(response.headers.get('retry-after')) ?? this.options.defaultThrottleMs ?? 2_000;
      // Shut the gate for the whole process before anyone else learns of the 429.
      this.options.gate.closeFor(ms);
      this.options.onThrottled?.(ms);
    } else if (!response.ok) {
      this.counts.failed += 1;
    }
  }
}

/**
 * Sets `Authorization: Bearer <token>` from a TokenCredential. The token is kept here until five
 * minutes before it expires (or the credential's refresh hint), refreshed once for all concurrent
 * callers: the credentials cache too, but a per-call trip through their cache is avoidable work,
 * and a slow refresh must not stall calls while the current token is still good.
 */
export class BearerFrom implements Middleware {
  private next: Middleware | undefined;
  private cached: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly now: () => number = Date.now,
  ) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    if (!this.next) throw new Error('BearerFrom needs a next middleware');
    const token = await this.token();
    setHeader(context, 'Authorization', `Bearer ${token.token}`);
    await this.next.execute(context);
  }

  private async token(): Promise<AccessToken> {
    const t = this.cached;
    const refreshAt = t === undefined ? 0 : Math.min(t.refreshAfterTimestamp ?? Infinity, t.expiresOnTimestamp - 5 * 60_000);
    if (t !== undefined && this.now() < refreshAt) return t;
    // One refresh for every call that finds the token stale at the same time.
    this.pending ??= this.credential
      .getToken(this.scope)
      .then((fresh) => {
        if (!fresh) throw Object.assign(new Error('the credential returned no Graph token'), { name: 'CredentialUnavailableError' });
        this.cached = fresh;
        return fresh;
      })
      .finally(() => {
        this.pending = undefined;
      });
    // A token that still works is better than failing the call while a refresh is slow; the
    // refresh's failure then surfaces on a later call, not as an unhandled rejection.
    if (t !== undefined && this.now() < t.expiresOnTimestamp - 30_000) {
      this.pending.catch(() => undefined);
      return t;
    }
    return this.pending;
  }
}

function setHeader(context: Context, name: string, value: string): void {
  const options = (context.options ??= {});
  const headers = options.headers;
  if (headers instanceof Headers) headers.set(name, value);
  else if (Array.isArray(headers)) options.headers = [...headers.filter(([k]) => k?.toLowerCase() !== name.toLowerCase()), [name, value]];
  else options.headers = { ...headers, [name]: value };
}

/**
 * A Graph `@odata.nextLink` as version + path for the client. The client parses only `https://`
 * URLs itself, so a nextLink on our own (possibly http) base URL is split here.
 */
export function nextLinkRequest(nextLink: string, baseUrl: string): { version: string; path: string } {
  const lower = nextLink.toLowerCase();
  const base = lower.startsWith(`${baseUrl.toLowerCase()}/`) ? baseUrl : /^https:\/\/[^/]+/.exec(nextLink)?.[0];
  const rest = base === undefined ? undefined : /^\/(v1\.0|beta)(\/.*)$/.exec(nextLink.slice(base.length));
  if (!rest) throw new Error('Graph returned a nextLink this client cannot follow');
  return { version: rest[1]!, path: rest[2]! };
}
