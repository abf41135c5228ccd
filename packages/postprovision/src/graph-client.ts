import { Client, HTTPMessageHandler, RetryHandler, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Middleware } from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/identity';
import { BearerFrom, GRAPH_SCOPE } from '@tapline/graph';

/**
 * A Graph client for a one-off deployment step: the bearer middleware tapline uses everywhere
 * (it also works on the simulator's http:// URL, toolchain gotcha 10) and the SDK's RetryHandler,
 * which honours Retry-After: here a hidden retry costs nothing anyone waits on.
 */
export function provisioningGraphClient(baseUrl: string, credential: TokenCredential): Client {
  const middleware: Middleware[] = [new BearerFrom(credential, GRAPH_SCOPE), new RetryHandler(new RetryHandlerOptions(1, 3)), new HTTPMessageHandler()];
  return Client.initWithMiddleware({ baseUrl: baseUrl.replace(/\/+$/, ''), middleware, defaultVersion: 'v1.0' });
}
