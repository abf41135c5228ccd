import type { Message } from './rhea.js';

/**
 * Claims-based security: the SDK sends a put-token before every link attach. SAS signatures are
 * not validated (any key works locally); the reply uses CBS's kebab-case status keys (pitfall 8).
 */
export function answerCbs(request: Message): Message {
  const operation = (request.application_properties as Record<string, unknown> | undefined)?.operation;
  const ok = operation === 'put-token';
  return {
    correlation_id: request.message_id,
    application_properties: {
      'status-code': ok ? 202 : 501,
      'status-description': ok ? 'Accepted' : `CBS operation '${String(operation)}' is not emulated`,
    },
    body: undefined,
  };
}
