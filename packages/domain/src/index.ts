/**
 * @tapline/domain: contracts, decisions, the request state machine, the error taxonomy and the
 * shared ports. Pure: zod is the only dependency; no SDK, no I/O (lint enforces it).
 *
 * Glossary
 * - request: one access-package assignment request in Entra (AccessPackageAssignmentRequestId);
 *   tapline keeps one ledger row per request and issues at most one distinct TAP for it.
 * - stage: the point in the request's workflow at which Entra called the custom extension
 *   (assignmentRequestApproved, ...); one call-out per stage, identified by its stage instance id.
 * - target: the user the access package, and so the TAP, is for (Assignment.Target); the report
 *   in an on-behalf request.
 * - requestor: the user who asked (Requestor); the manager in an on-behalf request.
 * - TAP: a Temporary Access Pass, a time-limited passcode created through Graph. One per user: a
 *   new one silently replaces the old. Its secret exists only in Graph's create response.
 * - delivery: the message carrying a sealed TAP and sealed contacts to the notifier, and the SMS or
 *   email the notifier sends from it.
 * - superseded: a delivery (or request) whose TAP is no longer the target's current TAP; it is
 *   completed and recorded but nothing is sent.
 * - denial: an eligibility decision against the request, with reason codes; completed, audited and
 *   reported, never dead-lettered.
 * - reference id: the short id (`TL-0E60F18C`) a manager quotes to the service desk.
 */

export {
  CONNECTION_TEST_STAGE,
  REQUEST_STAGES,
  PRE_EXPIRATION_STAGES,
  REQUEST_TYPES,
  DISPLAY_NAME_MAX,
  CALLBACK_URI_PATH_MAX,
  decodeExtensionEvent,
  isRequestStage,
  isPreExpirationStage,
} from './extension-event.js';
export type {
  RequestStage,
  PreExpirationStage,
  RequestType,
  EntityRef,
  Subject,
  AssignmentRef,
  ConnectionTestEvent,
  AssignmentRequestEvent,
  PreExpirationEvent,
  ExtensionEvent,
  ContractViolation,
  ExtensionEventResult,
} from './extension-event.js';

export type { FieldError } from './field-error.js';
export { GUID_PATTERN, isGuid, sameId } from './guid.js';

export { SCHEMA_VERSION, MAX_MESSAGE_BYTES } from './message-codec.js';
export type { MessageDecodeError, MessageDecodeResult } from './message-codec.js';
export { TRACEPARENT_PATTERN, LINKED_TRACE_PROPERTY, linkedTraceProperties, encodeTapRequest, decodeTapRequest, tapRequestFromEvent, nextAttempt } from './tap-request-message.js';
export type { TapRequestMessage, CallbackRef } from './tap-request-message.js';
export { encodeTapOutcome, decodeTapOutcome, deliveryTimeToLiveMs } from './tap-outcome-message.js';
export type { TapOutcomeMessage, TapDeliveryMessage, TapDenialMessage } from './tap-outcome-message.js';
export { sealingAad, SEALED_CIPHERTEXT_MAX } from './sealed-box.js';
export type { SealedBox, SealedField } from './sealed-box.js';
export { encodeDeliveryContacts, decodeDeliveryContacts, toE164 } from './contacts.js';
export type { DeliveryContacts } from './contacts.js';
export { requestMessageId, requestRetryMessageId, deliveryMessageId, denialMessageId } from './message-ids.js';

export { PermanentError, RetryableError, isPermanent, isRetryable } from './errors.js';
export { DEAD_LETTER_REASONS, DEAD_LETTER_REASON_NAMES, DEAD_LETTER_DESCRIPTION_MAX, isDeadLetterReason, describeForDeadLetter } from './dead-letter.js';
export type { DeadLetterReason } from './dead-letter.js';
export { scrubSecrets, scrubAndCap, isTapLike, redactionMarker, REDACTED_PREFIX, MAX_SCAN_LENGTH, MIN_EXACT_SECRET_LENGTH } from './secret-scrubber.js';
export type { SecretKind, ScrubOptions } from './secret-scrubber.js';

export {
  REQUEST_STATUSES,
  REQUEST_STATUS_TRANSITIONS,
  isRequestStatus,
  canTransition,
  assertTransition,
  isTerminal,
  isAtRest,
  IllegalTransition,
} from './request-status.js';
export type { RequestStatus, Transition } from './request-status.js';

export {
  DENIAL_REASONS,
  DENIAL_REASON_NAMES,
  REPORTED_REASON_NAMES,
  REFUSAL_REASON_NAMES,
  MANAGER_NOTICE_CATEGORIES,
  isDenialReason,
  isReportedReason,
  protectedReason,
  securityReason,
  securityReasons,
  noticeCategoryOf,
  reasonSpec,
} from './reasons.js';
export type { DenialReason, ReportedReason, RefusalReason, ReasonSpec, ManagerNoticeCategory } from './reasons.js';
export { DEFAULT_ELIGIBILITY_POLICY, eligibilityPolicySchema, isHandledRequest, decideEligibility } from './eligibility.js';
export type { EligibilityFacts, EligibilityPolicy, EligibilityDecision } from './eligibility.js';
export { confirmRequest, STATES_AT_STAGE } from './request-confirmation.js';
export type { AssignmentRequestFacts, ClaimedRequest } from './request-confirmation.js';
export { managerNotice, referenceIdFor, requestIdPrefixOf } from './manager-notice.js';
export type { ManagerNotice } from './manager-notice.js';

export { GRAPH_TAP_MIN_LIFETIME_MINUTES, GRAPH_TAP_MAX_LIFETIME_MINUTES, clampTapLifetime } from './tap-lifetime.js';
export type { TapPolicyBounds, TapLifetime } from './tap-lifetime.js';
export { DEFAULT_RETRY_SCHEDULE, nominalDelayMs, retryDelayMs, shouldDeadLetterAfter, retryBudgetMs } from './retry-schedule.js';
export type { RetrySchedule } from './retry-schedule.js';

export { systemClock, mathRandom } from './ports.js';
export type { Clock, Random } from './ports.js';
