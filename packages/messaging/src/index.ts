// @tapline/messaging: Service Bus adapters shared by the services and tapctl. See README.md.

export { createServiceBus } from './bus.js';
export type { ServiceBus, ServiceBusOptions, ServiceBusTuning } from './bus.js';
export { createQueueSender } from './sender.js';
export type { QueueSender } from './sender.js';
export { createMemorySender } from './memory-sender.js';
export type { MemorySender } from './memory-sender.js';
export { startConsumer } from './consumer.js';
export type { Consumer, ConsumerOptions, HandlerContext, StopResult } from './consumer.js';
export type { ConsumerCounters } from './counters.js';
export { complete } from './outcome.js';
export type { Outcome } from './outcome.js';
export { ATTEMPT_PROPERTY, RECEIVED_AT_PROPERTY, attemptOf, retryMessageId } from './messages.js';
export type { InboundMessage, OutboundMessage, PropertyValue } from './messages.js';
export { LAST_ERROR_PROPERTY, MAX_DESCRIPTION } from './settle.js';
export { MessageTooLargeError, ServiceBusConfigurationError, translateServiceBusError } from './translate.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { observeQueues, PEEK_LIMIT } from './queue-observer.js';
export type { QueueObserver, QueueSnapshot } from './queue-observer.js';
