// Calls to the simulator's HTTP API from its tests (the process itself comes from @tapline/test-harness).

export async function simJson<T = unknown>(sim: { url: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A token minted by the simulator's `/_sim/tokens` hook (expired, wrong audience, ...). */
export async function testToken(sim: { url: string }, request: Record<string, unknown>): Promise<string> {
  const { status, body } = await simJson<{ access_token: string }>(sim, 'POST', '/_sim/tokens', request);
  if (status !== 200) throw new Error(`/_sim/tokens answered ${status}`);
  return body.access_token;
}
