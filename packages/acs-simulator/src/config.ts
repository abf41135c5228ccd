import { isE164 } from './phone-number.js';

/**
 * The simulator's settings: what a caller may pass to `startAcsSimulator` (or the CLI), and the
 * resolved, validated form the handlers read. Defaults are documented in the README.
 */

/** A fixed development key (base64 of 32 ASCII bytes); never a real ACS key. */
export const DEFAULT_ACCESS_KEY = 'dGFwbGluZS1hY3Mtc2ltdWxhdG9yLWRldi1rZXktdjE=';
/** The toll-free number the simulated resource "owns" unless told otherwise. */
export const DEFAULT_SMS_SENDER = '+18005550100';
/** The email domain linked to the simulated resource unless told otherwise. */
export const DEFAULT_EMAIL_DOMAIN = 'tapline.example';

export interface AcsSimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (the default) asks the OS for a free one. */
  port?: number;
  /** Base64 access key the HMAC signatures are checked against. */
  accessKey?: string;
  /** When set, every accepted message is also appended to this JSONL file. */
  outboxFile?: string;
  /** SMS message units per sender number per rate window (ACS toll-free: 200 per minute). */
  smsPerMinute?: number;
  /** Email sends per resource per rate window (ACS custom domain: 30 per minute). */
  emailPerMinute?: number;
  /** Length of the rate window in seconds: 60 models ACS; tests shrink it. */
  rateWindowSeconds?: number;
  /** E.164 numbers the resource owns; SMS from any other number is refused with 401. */
  smsSenders?: readonly string[];
  /** Email domains linked to the resource; other sender domains get 404 DomainNotLinked. */
  emailDomains?: readonly string[];
  /** How long SMS repeatability ids are tracked (ACS documents 5 minutes). */
  repeatabilityWindowSeconds?: number;
  /** How long an accepted email operation reports `Running` before its final status. */
  emailCompletionMs?: number;
  /** Value of the `retry-after` header on email 202s and on polls of a running operation. */
  emailRetryAfterSeconds?: number;
}

export interface SimulatorConfig {
  port: number;
  accessKey: string;
  accessKeyBytes: Buffer;
  outboxFile: string | undefined;
  smsPerWindow: number;
  emailPerWindow: number;
  rateWindowMs: number;
  smsSenders: ReadonlySet<string>;
  emailDomains: ReadonlySet<string>;
  repeatabilityWindowMs: number;
  emailCompletionMs: number;
  emailRetryAfterSeconds: number;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function nonNegativeInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be an integer between 0 and ${max}`);
  }
  return value;
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be an integer between 1 and ${max}`);
  }
  return value;
}

/** Applies defaults and rejects nonsense early, so a misconfigured simulator fails at start. */
export function resolveConfig(options: AcsSimulatorOptions): SimulatorConfig {
  const accessKey = options.accessKey ?? DEFAULT_ACCESS_KEY;
  if (!BASE64.test(accessKey) || accessKey.length % 4 !== 0) {
    throw new Error('accessKey must be base64');
  }
  const smsSenders = options.smsSenders ?? [DEFAULT_SMS_SENDER];
  if (smsSenders.length === 0) throw new Error('at least one SMS sender number is needed');
  if (!smsSenders.every(isE164)) throw new Error('SMS sender numbers must be E.164, e.g. +18005550100');
  const emailDomains = (options.emailDomains ?? [DEFAULT_EMAIL_DOMAIN]).map((d) => d.toLowerCase());
  if (emailDomains.length === 0) throw new Error('at least one email domain is needed');
  if (!emailDomains.every((d) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d))) throw new Error('email domains must look like contoso.example');
  return {
    port: nonNegativeInteger('port', options.port ?? 0, 65_535),
    accessKey,
    accessKeyBytes: Buffer.from(accessKey, 'base64'),
    outboxFile: options.outboxFile,
    smsPerWindow: positiveInteger('smsPerMinute', options.smsPerMinute ?? 200, 1_000_000),
    emailPerWindow: positiveInteger('emailPerMinute', options.emailPerMinute ?? 30, 1_000_000),
    rateWindowMs: positiveInteger('rateWindowSeconds', options.rateWindowSeconds ?? 60, 86_400) * 1000,
    smsSenders: new Set(smsSenders),
    emailDomains: new Set(emailDomains),
    repeatabilityWindowMs:
      positiveInteger('repeatabilityWindowSeconds', options.repeatabilityWindowSeconds ?? 300, 7 * 86_400) * 1000,
    emailCompletionMs: nonNegativeInteger('emailCompletionMs', options.emailCompletionMs ?? 200, 600_000),
    emailRetryAfterSeconds: nonNegativeInteger('emailRetryAfterSeconds', options.emailRetryAfterSeconds ?? 1, 3600),
  };
}
