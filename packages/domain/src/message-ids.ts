/**
 * Service Bus message ids, which drive duplicate detection. Adapters set them; these builders are
 * the single definition so that a redelivered or re-published message gets the same id and the
 * broker drops the copy. All stay far below the 128-character limit.
 */

/**
 * The tap-requests message id. Attempt 1 is the intake's message and uses the stage instance id
 * itself, so Entra's and the relay's retries of one call-out collapse into one message.
 */
export function requestMessageId(stageInstanceId: string, attempt: number): string {
  return attempt <= 1 ? stageInstanceId : requestRetryMessageId(stageInstanceId, attempt);
}

/** The delayed-retry copy for attempt `attempt` (>= 2) of a request. */
export function requestRetryMessageId(stageInstanceId: string, attempt: number): string {
  return `retry:${stageInstanceId}:${String(attempt)}`;
}

/** One delivery per (request, TAP): a re-issued TAP gets a new id, a re-publish the same one. */
export function deliveryMessageId(requestId: string, tapId: string): string {
  return `delivery:${requestId}:${tapId}`;
}

/** One denial notice per request. */
export function denialMessageId(requestId: string): string {
  return `denial:${requestId}`;
}
