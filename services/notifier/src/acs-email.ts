// EmailSender on @azure/communication-email. Every send carries our deterministic `Operation-Id`
// (a public option of beginSend), and the operation is polled to its final status so that a
// recipient ACS drops (suppressed, bounced at submission) falls back to the next contact.
import { EmailClient } from '@azure/communication-email';
import { classifyAcsError } from './acs-errors.js';
import type { EmailMessage, EmailSender, RecipientOutcome } from './ports.js';

export interface AcsEmailOptions {
  readonly connectionString: string;
  /** An address on a domain linked to the ACS resource, e.g. DoNotReply@contoso.com. */
  readonly senderAddress: string;
  readonly allowInsecureConnection: boolean;
  readonly timeoutMs: number;
  /** Poll interval when ACS sends no Retry-After. */
  readonly pollIntervalMs: number;
  /**
   * How long to poll for a final status. Past it the operation is still queued at ACS, so the
   * message counts as accepted (its id is the operation id) rather than being sent again.
   */
  readonly pollTimeoutMs: number;
  readonly now: () => number;
  /** Told when polling gave up while ACS still reported the operation running. */
  readonly onPollTimeout?: () => void;
}

const LRO_FAILED = /^The long-running operation has failed(?:\. ([A-Za-z][A-Za-z0-9]*)\.)?/;

export function createAcsEmailSender(options: AcsEmailOptions): EmailSender {
  const client = new EmailClient(options.connectionString, {
    allowInsecureConnection: options.allowInsecureConnection,
    retryOptions: { maxRetries: 0 },
  });
  return {
    async send(message: EmailMessage): Promise<RecipientOutcome> {
      let poller;
      try {
        poller = await client.beginSend(
          {
            senderAddress: options.senderAddress,
            content: { subject: message.content.subject, plainText: message.content.plainText, html: message.content.html },
            recipients: { to: [{ address: message.to }] },
          },
          { operationId: message.operationId, updateIntervalInMs: options.pollIntervalMs, requestOptions: { timeout: options.timeoutMs } },
        );
      } catch (err) {
        const failure = classifyAcsError(err, 'acs-email', options.now());
        if (failure.kind !== 'refused') throw failure.error;
        // A 400 on submission is about this message (a malformed or refused address): next
        // contact. Any other 4xx (key, domain, permissions) concerns every email: next channel.
        return failure.status === 400
          ? { status: 'rejected', code: `email-400:${failure.code}` }
          : { status: 'refused', code: `email-${failure.status}:${failure.code}` };
      }
      if (message.awaitFinalStatus === false) {
        return { status: 'accepted', providerMessageId: poller.getOperationState().result?.id || message.operationId };
      }
      try {
        const result = await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(options.pollTimeoutMs) });
        if (result.status === 'Succeeded') return { status: 'accepted', providerMessageId: result.id || message.operationId };
        return { status: 'rejected', code: `email-${result.status.toLowerCase()}` };
      } catch (err) {
        const restError = typeof err === 'object' && err !== null && 'statusCode' in err;
        const failed = err instanceof Error && !restError ? LRO_FAILED.exec(err.message) : null;
        if (failed) return { status: 'rejected', code: `email-failed${failed[1] ? `:${failed[1]}` : ''}` };
        if (err instanceof Error && err.name === 'AbortError' && !restError) {
          options.onPollTimeout?.();
          return { status: 'accepted', providerMessageId: message.operationId };
        }
        const failure = classifyAcsError(err, 'acs-email', options.now());
        if (failure.kind === 'refused') return { status: 'refused', code: `email-${failure.status}:${failure.code}` };
        throw failure.error;
      }
    },
  };
}
