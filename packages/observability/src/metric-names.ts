// Every metric tapline emits, with its instrument kind, unit and the attributes it carries: the one
// list the services record against, the local dashboard reads, and the Azure workbook and alert
// rules chart (DESIGN section 9). Names follow the OpenTelemetry semantic conventions where one
// exists (messaging), the design's domain names otherwise. Attribute values are closed sets (an
// outcome, a reason code, a channel, a queue name): never an id, a contact or a secret.
//
// In Azure Monitor each metric lands in `customMetrics` under this exact name, its attributes in
// `customDimensions` under these exact keys.

export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM, as the semantic conventions write it: `s`, `{request}`, `{message}`, `1`. */
  readonly unit: string;
  readonly description: string;
  /** Attribute keys the metric may carry; no other key is ever recorded on it. */
  readonly attributes: readonly string[];
  /** The services (OpenTelemetry `service.name`) that emit it. */
  readonly emittedBy: readonly ServiceName[];
}

export type ServiceName = 'tapline-intake' | 'tapline-worker' | 'tapline-notifier';

/** Attribute keys: messaging ones from the semantic conventions, domain ones from DESIGN section 9. */
export const ATTR = {
  messagingSystem: 'messaging.system',
  messagingDestination: 'messaging.destination.name',
  messagingOperationName: 'messaging.operation.name',
  messagingOperationType: 'messaging.operation.type',
  errorType: 'error.type',
  outcome: 'outcome',
  reason: 'reason',
  channel: 'channel',
  queue: 'queue',
  kind: 'kind',
  operation: 'operation',
  statusCode: 'http.response.status_code',
  provider: 'provider',
} as const;

/** `messaging.system` for Azure Service Bus, as the semantic conventions name it. */
export const MESSAGING_SYSTEM = 'servicebus';

const consumers: readonly ServiceName[] = ['tapline-worker', 'tapline-notifier'];
const worker: readonly ServiceName[] = ['tapline-worker'];
const notifier: readonly ServiceName[] = ['tapline-notifier'];

const definitions = {
  // Messaging semantic conventions (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-metrics/).
  messagingSent: {
    name: 'messaging.client.sent.messages', kind: 'counter', unit: '{message}', emittedBy: ['tapline-intake', 'tapline-worker'],
    description: 'Messages a producer sent to a queue (tap-requests by the intake, tap-deliveries by the worker).',
    attributes: [ATTR.messagingSystem, ATTR.messagingDestination, ATTR.messagingOperationName, ATTR.errorType],
  },
  messagingConsumed: {
    name: 'messaging.client.consumed.messages', kind: 'counter', unit: '{message}', emittedBy: consumers,
    description: 'Messages a consumer received from a queue.',
    attributes: [ATTR.messagingSystem, ATTR.messagingDestination, ATTR.messagingOperationName],
  },
  messagingProcessDuration: {
    name: 'messaging.process.duration', kind: 'histogram', unit: 's', emittedBy: consumers,
    description: 'Time a consumer spent handling one message, to its settlement; error.type names a failed settlement (retry, dead_letter).',
    attributes: [ATTR.messagingSystem, ATTR.messagingDestination, ATTR.messagingOperationName, ATTR.errorType],
  },

  // Domain counters (DESIGN section 9).
  requests: {
    name: 'tap.requests', kind: 'counter', unit: '{request}', emittedBy: ['tapline-intake'],
    description: 'Callouts the intake answered, by outcome (accepted, ignored, invalid, unauthenticated, forbidden, unavailable, failed) and reason.',
    attributes: [ATTR.outcome, ATTR.reason],
  },
  received: {
    name: 'tap.received', kind: 'counter', unit: '{request}', emittedBy: worker,
    description: 'Requests the worker recorded in the ledger for the first time (redeliveries not counted).',
    attributes: [],
  },
  issued: {
    name: 'tap.issued', kind: 'counter', unit: '{tap}', emittedBy: worker,
    description: 'Temporary Access Passes created in Graph.',
    attributes: [],
  },
  denied: {
    name: 'tap.denied', kind: 'counter', unit: '{request}', emittedBy: worker,
    description: 'Requests denied, once each, by the first (deciding) reason code.',
    attributes: [ATTR.reason],
  },
  refused: {
    name: 'tap.refused', kind: 'counter', unit: '{request}', emittedBy: worker,
    description: 'Call-outs refused because Graph did not confirm the access-package request (check 0), by refusal reason.',
    attributes: [ATTR.reason],
  },
  denialReasons: {
    name: 'tap.denial.reasons', kind: 'counter', unit: '{reason}', emittedBy: worker,
    description: 'Every reason code of every denial (a denial may carry several), for security dashboards.',
    attributes: [ATTR.reason],
  },
  delivered: {
    name: 'tap.delivered', kind: 'counter', unit: '{delivery}', emittedBy: notifier,
    description: 'TAPs delivered to the employee, by channel (sms, email).',
    attributes: [ATTR.channel],
  },
  sendRejected: {
    name: 'tap.send_rejected', kind: 'counter', unit: '{send}', emittedBy: notifier,
    description: 'Sends the provider refused for good, by channel.',
    attributes: [ATTR.channel],
  },
  superseded: {
    name: 'tap.superseded', kind: 'counter', unit: '{delivery}', emittedBy: notifier,
    description: 'Deliveries dropped because a newer TAP replaced theirs (never a stale TAP sent).',
    attributes: [],
  },
  deadLettered: {
    name: 'tap.dead_lettered', kind: 'counter', unit: '{message}', emittedBy: consumers,
    description: 'Messages dead-lettered, by queue and reason.',
    attributes: [ATTR.queue, ATTR.reason],
  },
  retriedLater: {
    name: 'tap.retried_later', kind: 'counter', unit: '{message}', emittedBy: consumers,
    description: 'Messages handed back to the broker for a later attempt, by queue.',
    attributes: [ATTR.queue],
  },
  duplicates: {
    name: 'tap.duplicates', kind: 'counter', unit: '{message}', emittedBy: worker,
    description: 'Redelivered requests found already handled (idempotent no-ops).',
    attributes: [],
  },
  replayed: {
    // Reserved for `tapctl dlq replay` (issue 15): no service emits it yet, so emittedBy is empty
    // and a workbook built from services' metrics leaves it out.
    name: 'tap.replayed', kind: 'counter', unit: '{message}', emittedBy: [],
    description: 'Dead letters replayed by an operator, by outcome.',
    attributes: [ATTR.outcome, ATTR.queue],
  },
  denialReported: {
    name: 'tap.denial_reported', kind: 'counter', unit: '{reason}', emittedBy: notifier,
    description: 'Denial reasons reported onwards (Entra resume, manager notice), by reason.',
    attributes: [ATTR.reason],
  },
  resumed: {
    name: 'entra.resumed', kind: 'counter', unit: '{call}', emittedBy: notifier,
    description: 'Entra custom-extension resume calls, by outcome (continued, denied, fell-back, failed).',
    attributes: [ATTR.outcome],
  },
  managerNotices: {
    name: 'manager.notices', kind: 'counter', unit: '{notice}', emittedBy: notifier,
    description: 'Manager confirmations and denial notices, by kind and outcome.',
    attributes: [ATTR.kind, ATTR.outcome],
  },

  // Durations (seconds, as OpenTelemetry durations are).
  issuanceDuration: {
    name: 'tap.issuance.duration', kind: 'histogram', unit: 's', emittedBy: worker,
    description: 'From the worker taking a request to the TAP sealed and its delivery published.',
    attributes: [],
  },
  endToEndDuration: {
    name: 'tap.end_to_end.duration', kind: 'histogram', unit: 's', emittedBy: notifier,
    description: 'From the intake accepting the request to the TAP delivered.',
    attributes: [ATTR.channel],
  },

  // Graph.
  graphCalls: {
    name: 'graph.calls', kind: 'counter', unit: '{call}', emittedBy: worker,
    description: 'Graph calls made by this process, by outcome (ok, throttled, failed).',
    attributes: [ATTR.outcome],
  },
  graphWrites: {
    name: 'graph.writes', kind: 'counter', unit: '{call}', emittedBy: worker,
    description: 'Graph writes (TAP creation and deletion), the calls that spend the identity write budget.',
    attributes: [],
  },
  auditReads: {
    name: 'graph.audit_reads', kind: 'counter', unit: '{call}', emittedBy: worker,
    description: "Tenant-wide directory audit-log reads for the manager-change quarantine (Graph allows 5 per 10 s per app and tenant).",
    attributes: [],
  },
  watchRounds: {
    name: 'tap.watch.rounds', kind: 'counter', unit: '{round}', emittedBy: worker,
    description: 'Directory watch rounds (users/delta) completed by this process while it held the watch lease.',
    attributes: [],
  },
  graphThrottled: {
    name: 'graph.throttled', kind: 'counter', unit: '{call}', emittedBy: worker,
    description: 'Graph calls answered 429.',
    attributes: [],
  },
  graphWriteBudget: {
    name: 'graph.write_budget.rate', kind: 'gauge', unit: '1', emittedBy: worker,
    description: 'Rate the adaptive limiter allows, as a fraction of the configured Graph write budget (1 = full budget, less after 429s).',
    attributes: [],
  },

  // ACS.
  acsSends: {
    name: 'acs.sends', kind: 'counter', unit: '{send}', emittedBy: notifier,
    description: 'ACS send calls, by channel and outcome (accepted, rejected, throttled, failed).',
    attributes: [ATTR.channel, ATTR.outcome],
  },
  acsRateLimitWaits: {
    name: 'acs.rate_limit.waits', kind: 'counter', unit: '{wait}', emittedBy: notifier,
    description: 'Sends that waited for the channel rate gate (configured limit or a 429 Retry-After), by channel.',
    attributes: [ATTR.channel],
  },
  providerThrottled: {
    name: 'provider.throttled', kind: 'counter', unit: '{call}', emittedBy: notifier,
    description: 'Provider calls answered 429 with Retry-After, by provider (acs-sms, acs-email, graph).',
    attributes: [ATTR.provider],
  },

  // Observed from the broker.
  queueDepth: {
    name: 'tap.queue.depth', kind: 'gauge', unit: '{message}', emittedBy: consumers,
    description: 'Active messages waiting in a queue, observed from the broker.',
    attributes: [ATTR.queue],
  },
  deadLetterDepth: {
    name: 'tap.queue.dead_letter.depth', kind: 'gauge', unit: '{message}', emittedBy: consumers,
    description: "Messages in a queue's dead-letter subqueue, observed from the broker.",
    attributes: [ATTR.queue],
  },
  oldestMessageAge: {
    name: 'tap.queue.oldest_message.age', kind: 'gauge', unit: 's', emittedBy: consumers,
    description: 'Age of the oldest active message in a queue (0 when empty), observed from the broker.',
    attributes: [ATTR.queue],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof definitions;

/** Every metric by its key in code. */
export const METRICS: { readonly [K in MetricKey]: MetricDefinition & (typeof definitions)[K] } = definitions;

/** Every metric name tapline emits. */
export const METRIC_NAMES: readonly string[] = Object.values(definitions).map((d) => d.name);
