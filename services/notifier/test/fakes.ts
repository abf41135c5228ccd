// In-memory fakes of the notifier's ports, for handler tests. The SMS and email fakes keep ACS's
// idempotency semantics (a repeated repeatabilityRequestId / Operation-Id is not delivered again,
// and a reused key with different content is refused), so tests can count what a person receives.
import { createMemoryLedger } from '@tapline/ledger';
import { silentLogger } from '@tapline/messaging';
import type { Logger } from '@tapline/messaging';
import type {
  EmailMessage, EmailSender, EntraCallback, ManagerDirectory, RecipientOutcome, ResumeCall, ResumeResult, SmsMessage, SmsSender,
} from '../src/ports.js';

export type Scripted<T> = T | ((message: never) => T);

export interface DeliveredMessage {
  readonly channel: 'sms' | 'email';
  readonly to: string;
  /** SMS text, or the email's plain text. */
  readonly body: string;
  readonly subject?: string;
  readonly html?: string;
}

/** What people received, across both fakes. */
export class Inbox {
  readonly messages: DeliveredMessage[] = [];
}

type Behaviour = 'accept' | RecipientOutcome | Error;

export class FakeSms implements SmsSender {
  readonly calls: SmsMessage[] = [];
  private readonly byId = new Map<string, { fingerprint: string; outcome: RecipientOutcome }>();
  /** Per recipient (E.164) behaviour; a queue of behaviours is consumed one per call. */
  readonly behaviour = new Map<string, Behaviour | Behaviour[]>();

  constructor(private readonly inbox: Inbox) {}

  async send(message: SmsMessage): Promise<RecipientOutcome> {
    await Promise.resolve();
    this.calls.push(message);
    const planned = this.behaviour.get(message.to);
    const next = Array.isArray(planned) ? planned.shift() ?? 'accept' : planned ?? 'accept';
    if (next instanceof Error) throw next;
    const fingerprint = `${message.to}\u0000${message.text}`;
    const known = this.byId.get(message.repeatabilityRequestId);
    if (known !== undefined) {
      return known.fingerprint === fingerprint ? known.outcome : { status: 'rejected', code: 'sms-400' };
    }
    const outcome: RecipientOutcome = next === 'accept' ? { status: 'accepted', providerMessageId: `sms-${this.calls.length}` } : next;
    this.byId.set(message.repeatabilityRequestId, { fingerprint, outcome });
    if (outcome.status === 'accepted') this.inbox.messages.push({ channel: 'sms', to: message.to, body: message.text });
    return outcome;
  }
}

export class FakeEmail implements EmailSender {
  readonly calls: EmailMessage[] = [];
  private readonly byId = new Map<string, { fingerprint: string; outcome: RecipientOutcome }>();
  readonly behaviour = new Map<string, Behaviour | Behaviour[]>();

  constructor(private readonly inbox: Inbox) {}

  async send(message: EmailMessage): Promise<RecipientOutcome> {
    await Promise.resolve();
    this.calls.push(message);
    const planned = this.behaviour.get(message.to);
    const next = Array.isArray(planned) ? planned.shift() ?? 'accept' : planned ?? 'accept';
    if (next instanceof Error) throw next;
    const fingerprint = JSON.stringify([message.to, message.content]);
    const known = this.byId.get(message.operationId);
    if (known !== undefined) return known.fingerprint === fingerprint ? known.outcome : { status: 'refused', code: 'email-409' };
    const outcome: RecipientOutcome = next === 'accept' ? { status: 'accepted', providerMessageId: message.operationId } : next;
    this.byId.set(message.operationId, { fingerprint, outcome });
    if (outcome.status === 'accepted') {
      this.inbox.messages.push({ channel: 'email', to: message.to, body: message.content.plainText, subject: message.content.subject, html: message.content.html });
    }
    return outcome;
  }
}

export class FakeEntra implements EntraCallback {
  readonly calls: ResumeCall[] = [];
  /** Answers consumed one per call; afterwards every call succeeds. */
  readonly answers: (ResumeResult | Error)[] = [];
  /** Stages at which `state: denied` is refused with 400, as some docs say Graph does. */
  readonly refuseDenialAt = new Set<string>();

  async resume(call: ResumeCall): Promise<ResumeResult> {
    await Promise.resolve();
    this.calls.push(call);
    const next = this.answers.shift();
    if (next instanceof Error) throw next;
    if (next !== undefined) return next;
    if (call.state === 'denied' && this.refuseDenialAt.has(call.stage)) return { ok: false, status: 400, code: 'BadRequest' };
    return { ok: true };
  }
}

export class FakeManagers implements ManagerDirectory {
  readonly emails = new Map<string, string>();
  async emailOf(userId: string): Promise<string | undefined> {
    await Promise.resolve();
    return this.emails.get(userId);
  }
}

/** A logger that keeps every record, so tests can scan what would have been written. */
export function capturingLogger(lines: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (obj: object, msg?: string): void => {
      lines.push(JSON.stringify({ ...bindings, ...obj, msg }));
    };
    return { debug: write, info: write, warn: write, error: write, child: (b) => make({ ...bindings, ...b }) };
  };
  return make({});
}

export { createMemoryLedger, silentLogger };
