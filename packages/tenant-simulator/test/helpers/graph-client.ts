import type { AccessToken, TokenCredential } from '@azure/identity';
import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions, type Context, type GraphError, type Middleware } from '@microsoft/microsoft-graph-client';

/**
 * The Graph client attaches no token to `http://` hosts (its AuthenticationHandler only
 * recognises https Graph or custom hosts, and strips a manual Authorization header elsewhere).
 * So the client is built with its own middleware chain: this middleware sets the bearer token,
 * then the stock RetryHandler (which honours Retry-After), then the HTTP handler.
 */
export class BearerTokenMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly credential: TokenCredential, private readonly scope: string) {}

  async execute(context: Context): Promise<void> {
    const token = await this.credential.getToken(this.scope);
    if (!token) throw new Error('credential returned no token');
    const value = `Bearer ${token.token}`;
    if (context.request instanceof Request) {
      context.request.headers.set('Authorization', value);
    } else {
      const options = context.options ?? {};
      context.options = { ...options, headers: { ...plainHeaders(options.headers), Authorization: value } };
    }
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphClient(baseUrl: string, credential: TokenCredential, opts: { maxRetries?: number; version?: 'v1.0' | 'beta' } = {}): Client {
  const bearer = new BearerTokenMiddleware(credential, 'https://graph.microsoft.com/.default');
  const retry = new RetryHandler(new RetryHandlerOptions(1, opts.maxRetries ?? 0));
  const http = new HTTPMessageHandler();
  bearer.setNext(retry);
  retry.setNext(http);
  return Client.initWithMiddleware({ baseUrl, defaultVersion: opts.version ?? 'v1.0', middleware: bearer });
}

/** A credential that always returns one given token (tokens minted through `/_sim/tokens`). */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}

  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: this.token, expiresOnTimestamp: Date.now() + 3600_000 });
  }
}

function plainHeaders(headers: unknown): Record<string, string> {
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers as Array<[string, string]>);
  return { ...(headers as Record<string, string> | undefined) };
}

/** Runs a Graph call expected to fail and returns the client's GraphError. */
export async function graphFailure(call: Promise<unknown>): Promise<GraphError> {
  try {
    await call;
  } catch (err) {
    return err as GraphError;
  }
  throw new Error('the call succeeded');
}
