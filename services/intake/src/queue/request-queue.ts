// The port through which the intake hands a TAP request to the worker: the `tap-requests` queue.
// Narrow on purpose (one send, one close); the Service Bus adapter and the in-memory fake both
// pass the conformance suite in test/queue/sender-conformance.ts.

/** Application property values Service Bus carries as AMQP simple types. */
export type ApplicationPropertyValue = string | number | boolean;

export interface OutgoingRequest {
  /** Service Bus `messageId`: the CustomExtensionStageInstanceId, so duplicate detection drops retries. */
  readonly messageId: string;
  /** Service Bus `correlationId`: the access-package assignment request id. */
  readonly correlationId: string;
  /** The encoded TAP request message (JSON text); sent as UTF-8 bytes with `contentType: application/json`. */
  readonly body: string;
  /** Trace context and routing hints; never personal data. */
  readonly applicationProperties: Readonly<Record<string, ApplicationPropertyValue>>;
}

export interface RequestQueueSender {
  /**
   * Resolves once the broker accepted the message (a duplicate the broker drops also resolves).
   * Rejects with `RetryableError` when the broker cannot be reached within the time budget,
   * `PermanentError` when retrying cannot help (for example an unknown queue).
   */
  send(request: OutgoingRequest): Promise<void>;
  /**
   * Connects ahead of the first send (a cold AMQP connection and link can take longer than a
   * request's budget). Rejects like send when the broker cannot be reached; sends retry anyway.
   */
  open(): Promise<void>;
  /** Releases connections; no send is accepted afterwards. */
  close(): Promise<void>;
}

export const REQUEST_CONTENT_TYPE = 'application/json';
