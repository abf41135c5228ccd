import { randomUUID } from 'node:crypto';
import type { ServiceBusMessage } from '@azure/service-bus';

const padding = 'x'.repeat(640);

/**
 * A message shaped like the intake's on `tap-requests`: messageId, correlationId, contentType,
 * trace application properties and a ~1 KB JSON body in a data section. The body's fields are not
 * the TapRequestMessage's, only its size: the emulator never reads a body.
 */
export function intakeMessage(i: number): ServiceBusMessage {
  const stageInstanceId = randomUUID();
  const traceparent = `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;
  const body = JSON.stringify({
    version: 1,
    stageInstanceId,
    requestId: randomUUID(),
    accessPackageId: randomUUID(),
    targetObjectId: randomUUID(),
    requestorObjectId: randomUUID(),
    receivedAt: new Date().toISOString(),
    attempt: 1,
    traceparent,
    note: `${i}-${padding}`,
  });
  return {
    messageId: `${stageInstanceId}:attempt-1`,
    correlationId: randomUUID(),
    contentType: 'application/json',
    body: Buffer.from(body, 'utf8'),
    applicationProperties: { traceparent, 'Diagnostic-Id': traceparent },
  };
}
