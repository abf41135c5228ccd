// Submits a call-out body to the intake as the relay Logic App would: POST with the relay's
// managed-identity bearer token. A refusal is an RFC 9457 problem document: its title and detail
// (the intake's own text, never an echo of our body or token) become the error line.

import { scrubSecrets } from '@tapline/domain';
import { z } from 'zod';
import { CliError } from './cli-error.js';
import { callJson } from './http.js';
import type { FetchLike } from './http.js';

export const TAP_REQUESTS_PATH = '/api/tap-requests';

export interface IntakeAnswer {
  readonly requestId: string | null;
  /** `accepted` (enqueued, or a duplicate of an enqueued call-out) or `ignored` (not handled here). */
  readonly status: string;
}

const acceptedSchema = z.object({ requestId: z.string().nullable(), status: z.string() }).loose();
const problemSchema = z.object({ title: z.string().optional(), detail: z.string().optional(), status: z.number().optional() }).loose();

/** `<intake.url>/api/tap-requests`, whether or not the stack's URL already ends in `/api`. */
export function tapRequestsUrl(intakeUrl: string): string {
  const base = intakeUrl.replace(/\/+$/, '');
  return base.endsWith('/api') ? `${base}/tap-requests` : `${base}${TAP_REQUESTS_PATH}`;
}

export async function submitCallout(fetchImpl: FetchLike, intakeUrl: string, token: string, body: unknown): Promise<IntakeAnswer> {
  const answer = await callJson(fetchImpl, 'intake', tapRequestsUrl(intakeUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  if (answer.status === 202 || answer.status === 200) {
    const parsed = acceptedSchema.safeParse(answer.json);
    if (!parsed.success) throw new CliError(`the intake answered ${answer.status} with an unexpected body`);
    return { requestId: parsed.data.requestId, status: parsed.data.status };
  }
  const problem = problemSchema.safeParse(answer.json);
  const title = problem.success ? problem.data.title : undefined;
  const detail = problem.success ? problem.data.detail : undefined;
  const text = [title, detail].filter((s): s is string => typeof s === 'string' && s !== '').map((s) => scrubSecrets(s.slice(0, 300))).join(': ');
  throw new CliError(`the intake refused the call-out (${answer.status})${text === '' ? '' : `: ${text}`}`);
}
