// Closing the loop with Entra for requests whose custom extension waits (launch-and-wait): a
// `resume` per request, with a short detail approvers see in the request history. The detail
// never holds the secret, a contact, or a denial reason (a reason such as "admin role" is
// protected: it goes to the audit log, not to the approvers and requestor).
//
// Denying: the docs conflict on which stages accept `state: "denied"` (platform facts 1 and 3).
// So a denial first asks for `denied`; if Graph answers 400 it resumes without a state, with a
// detail that says the request was not fulfilled. The pass was not issued either way, so the
// worst case is an assignment that completes without a TAP, which the detail explains.
import type { CallbackRef } from '@tapline/domain';
import type { Channel } from './channel-plan.js';
import type { EntraCallback, ResumeCall } from './ports.js';

export type ResumeIntent =
  | { readonly kind: 'fulfilled'; readonly channel: Channel }
  | { readonly kind: 'denied'; readonly referenceId: string }
  | { readonly kind: 'superseded'; readonly referenceId: string };

export type ResumeOutcome =
  | { readonly ok: true; readonly state: 'continued' | 'denied'; readonly fellBack: boolean }
  | { readonly ok: false; readonly status: number; readonly code: string };

export function resumeDetail(intent: ResumeIntent): string {
  switch (intent.kind) {
    case 'fulfilled':
      return `Temporary Access Pass delivered by ${intent.channel === 'sms' ? 'SMS' : 'email'}.`;
    case 'denied':
      return `Temporary Access Pass not issued. Reference ${intent.referenceId}.`;
    case 'superseded':
      return `Not fulfilled: a newer request for this user replaced it. Reference ${intent.referenceId}.`;
  }
}

/** Throws RetryableError (from the port) for 429, 5xx and network failures. */
export async function resumeEntra(entra: EntraCallback, callback: CallbackRef, intent: ResumeIntent): Promise<ResumeOutcome> {
  const base: Omit<ResumeCall, 'detail'> = {
    callbackPath: callback.uriPath,
    stage: callback.stage,
    stageInstanceId: callback.stageInstanceId,
  };
  const detail = resumeDetail(intent);
  if (intent.kind === 'fulfilled') {
    const result = await entra.resume({ ...base, detail });
    return result.ok ? { ok: true, state: 'continued', fellBack: false } : result;
  }
  const denied = await entra.resume({ ...base, detail, state: 'denied' });
  if (denied.ok) return { ok: true, state: 'denied', fellBack: false };
  if (denied.status !== 400) return denied;
  // The stage refused a denial (or the request no longer waits; then this fails the same way).
  const plain = await entra.resume({ ...base, detail: detail.startsWith('Not fulfilled') ? detail : `Not fulfilled: ${detail}` });
  return plain.ok ? { ok: true, state: 'continued', fellBack: true } : plain;
}
