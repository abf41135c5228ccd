import { ConfigError, parseConfig } from '@tapline/config';
import { describe, expect, it } from 'vitest';
import { isLoopbackHttp, notifierConfigSchema } from '../src/config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const valid = {
  SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=secretkey;UseDevelopmentEmulator=true;',
  TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  TAPLINE_SEALING_KEYS: `k1:${KEY}`,
  TAPLINE_SEALING_ACTIVE_KID: 'k1',
  ACS_CONNECTION_STRING: 'endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0LWFjY2Vzcy1rZXk=',
  ACS_SMS_FROM: '+18005550100',
  ACS_EMAIL_SENDER: 'DoNotReply@contoso.com',
};

function issuesOf(env: Record<string, string>): string {
  try {
    parseConfig(notifierConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
}

describe('notifier configuration', () => {
  it('takes the namespace, table endpoint and Key Vault (managed identity) instead of connection strings and keys, never both', () => {
    const { SERVICEBUS_CONNECTION_STRING: _s, TABLES_CONNECTION_STRING: _t, TAPLINE_SEALING_KEYS: _k, ...rest } = valid;
    const inAzure = {
      ...rest,
      SERVICEBUS_NAMESPACE: 'sb-tapline.servicebus.windows.net',
      TABLES_ENDPOINT: 'https://sttapline.table.core.windows.net',
      SEALING_KEY_VAULT_URL: 'https://kv-tapline.vault.azure.net/',
    };
    expect(parseConfig(notifierConfigSchema, inAzure)).toMatchObject({ SERVICEBUS_NAMESPACE: 'sb-tapline.servicebus.windows.net' });
    const both = issuesOf({ ...inAzure, SERVICEBUS_CONNECTION_STRING: valid.SERVICEBUS_CONNECTION_STRING, TABLES_CONNECTION_STRING: valid.TABLES_CONNECTION_STRING });
    expect(both).toContain('SERVICEBUS_CONNECTION_STRING');
    expect(both).toContain('TABLES_CONNECTION_STRING');
    expect(issuesOf(rest)).toContain('TAPLINE_SEALING_KEYS');
  });

  it('runs email-only without an SMS number, and needs one as soon as sms is a channel', () => {
    const { ACS_SMS_FROM: _, ...noNumber } = valid;
    expect(parseConfig(notifierConfigSchema, { ...noNumber, NOTIFIER_CHANNEL_ORDER: 'email' }).ACS_SMS_FROM).toBeUndefined();
    expect(issuesOf(noNumber)).toContain('ACS_SMS_FROM');
  });

  it('parses the required variables and applies the documented defaults', () => {
    const config = parseConfig(notifierConfigSchema, valid);
    expect(config).toMatchObject({
      NOTIFIER_QUEUE_NAME: 'tap-deliveries',
      NOTIFIER_CHANNEL_ORDER: ['sms', 'email'],
      NOTIFIER_SMS_PER_MINUTE: 200,
      NOTIFIER_EMAIL_PER_MINUTE: 30,
      NOTIFIER_MANAGER_NOTICES: true,
      ACS_SMS_REPEATABILITY_WINDOW_MS: 300_000,
      GRAPH_BASE_URL: 'https://graph.microsoft.com',
    });
    expect(config.TAPLINE_CRASH_AT).toBeUndefined();
  });

  it('names every missing or bad variable, and never echoes a value', () => {
    const message = issuesOf({ ...valid, ACS_CONNECTION_STRING: '', ACS_SMS_FROM: '+1 800 555 0100', NOTIFIER_CHANNEL_ORDER: 'sms,fax', TAPLINE_CRASH_AT: 'whenever' });
    expect(message).toContain('ACS_CONNECTION_STRING: is required');
    expect(message).toContain('ACS_SMS_FROM');
    expect(message).toContain('NOTIFIER_CHANNEL_ORDER');
    expect(message).toContain('TAPLINE_CRASH_AT');
    // Cross-variable rules run once every variable parses on its own.
    expect(issuesOf({ ...valid, NOTIFIER_CHANNEL_ORDER: 'sms,sms' })).toContain('NOTIFIER_CHANNEL_ORDER: must not list a channel twice');
    expect(message).not.toContain('+1 800 555 0100');
    expect(issuesOf({ ...valid, ACS_CONNECTION_STRING: 'c2VjcmV0LWFjY2Vzcy1rZXk=' })).not.toContain('c2VjcmV0LWFjY2Vzcy1rZXk=');
  });

  it('keeps provider retries and email polling inside the lock renewal window', () => {
    expect(issuesOf({ ...valid, NOTIFIER_PROVIDER_RETRY_BUDGET_MS: '4m', ACS_EMAIL_POLL_TIMEOUT_MS: '2m' })).toContain('NOTIFIER_PROVIDER_RETRY_BUDGET_MS');
  });

  it('allows plain http to ACS only for loopback stand-ins', () => {
    expect(isLoopbackHttp('endpoint=http://127.0.0.1:7303/;accesskey=x')).toBe(true);
    expect(isLoopbackHttp('endpoint=http://acs.example.com/;accesskey=x')).toBe(false);
    expect(isLoopbackHttp(valid.ACS_CONNECTION_STRING)).toBe(false);
  });
});
