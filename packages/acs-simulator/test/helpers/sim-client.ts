import type { OutboxEntry } from '../../src/index.js';

/** Thin calls to the `/_sim/` API used by every suite. */
export async function outbox(url: string, query: Record<string, string> = {}): Promise<OutboxEntry[]> {
  const res = await fetch(`${url}/_sim/outbox?${new URLSearchParams(query).toString()}`);
  if (res.status !== 200) throw new Error(`outbox: HTTP ${res.status}`);
  return ((await res.json()) as { messages: OutboxEntry[] }).messages;
}

export async function reset(url: string): Promise<void> {
  const res = await fetch(`${url}/_sim/reset`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`reset: HTTP ${res.status}`);
}

export async function addFault(url: string, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/_sim/faults`, { method: 'POST', body: JSON.stringify(fault) });
  if (res.status !== 201) throw new Error(`faults: HTTP ${res.status} ${await res.text()}`);
}
