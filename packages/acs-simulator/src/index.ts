export { startAcsSimulator, type RunningAcsSimulator } from './server.js';
export { DEFAULT_ACCESS_KEY, DEFAULT_EMAIL_DOMAIN, DEFAULT_SMS_SENDER, type AcsSimulatorOptions } from './config.js';
export type { OutboxEntry } from './outbox.js';
export type { Fault } from './faults.js';
export type { SmsRecipientResult } from './repeatability.js';
export type { EmailSendResult } from './email-operation.js';
