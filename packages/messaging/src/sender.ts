// The sending port (intake -> tap-requests, worker -> tap-deliveries, tapctl replays) and its
// Service Bus adapter.

import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import type { ServiceBus } from './bus.js';
import type { OutboundMessage } from './messages.js';
import { tracedSend } from './telemetry.js';
import { translateServiceBusError } from './translate.js';

export interface QueueSender {
  readonly queue: string;
  /** Resolves once the broker has accepted the message; throws Retryable/PermanentError. */
  send(message: OutboundMessage): Promise<void>;
  close(): Promise<void>;
}

export function toServiceBusMessage(m: OutboundMessage): ServiceBusMessage {
  return {
    body: m.body,
    messageId: m.messageId,
    ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
    ...(m.contentType !== undefined && { contentType: m.contentType }),
    ...(m.subject !== undefined && { subject: m.subject }),
    ...(m.applicationProperties !== undefined && { applicationProperties: { ...m.applicationProperties } }),
    ...(m.timeToLiveMs !== undefined && { timeToLive: m.timeToLiveMs }),
    ...(m.scheduledEnqueueTime !== undefined && { scheduledEnqueueTimeUtc: m.scheduledEnqueueTime }),
  };
}

export function createQueueSender(bus: ServiceBus, queue: string): QueueSender {
  // One SDK sender per queue, reused across sends (it opens its link lazily).
  const sender: ServiceBusSender = bus.client.createSender(queue);
  return {
    queue,
    async send(message) {
      await tracedSend(queue, message.applicationProperties, async (applicationProperties) => {
        try {
          await sender.sendMessages(toServiceBusMessage({ ...message, applicationProperties }));
        } catch (err) {
          throw translateServiceBusError(err, `send to ${queue}`);
        }
      });
    },
    close: () => sender.close(),
  };
}
