import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tapline/config';
import { loadConfig, settingsFrom } from '../src/main.js';

const required = {
  SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true',
  INTAKE_TENANT_ID: '8f0a5b2e-5c3d-4e61-9a0b-1c2d3e4f5a6b',
  INTAKE_AUDIENCE: 'api://tapline-intake, c43c0df4-0461-47a1-8370-3ab56b4a93fc',
  INTAKE_ALLOWED_CALLERS: 'ab09c6ec-b10b-4be5-8fc9-04cbe2fa966b',
};

function issuesOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return Object.fromEntries(error.issues.map((i) => [i.name, i.reason]));
    throw error;
  }
  return {};
}

describe('intake configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      INTAKE_QUEUE_NAME: 'tap-requests',
      INTAKE_AUDIENCE: ['api://tapline-intake', 'c43c0df4-0461-47a1-8370-3ab56b4a93fc'],
      INTAKE_AUTHORITY_HOST: 'https://login.microsoftonline.com',
      INTAKE_CLOCK_SKEW_SECONDS: 60,
      INTAKE_JWKS_COOLDOWN_MS: 30_000,
      INTAKE_BODY_LIMIT_BYTES: 65_536,
      INTAKE_ENQUEUE_TIMEOUT_MS: 800,
      INTAKE_PORT: 7071,
    });
    expect(settingsFrom(config).handled).toEqual({ stages: ['assignmentRequestApproved', 'assignmentRequestGranted'], requestTypes: ['onBehalfAdd'] });
  });

  it('names every missing variable at once', () => {
    expect(Object.keys(issuesOf({})).sort()).toEqual(['INTAKE_ALLOWED_CALLERS', 'INTAKE_AUDIENCE', 'INTAKE_TENANT_ID']);
    // Service Bus is one of two forms, checked once the rest parses.
    const { SERVICEBUS_CONNECTION_STRING: _, ...withoutServiceBus } = required;
    expect(Object.keys(issuesOf(withoutServiceBus))).toEqual(['SERVICEBUS_CONNECTION_STRING']);
  });

  it('takes a Service Bus namespace with a managed identity instead of a connection string, never both', () => {
    const { SERVICEBUS_CONNECTION_STRING: _, ...withoutConnection } = required;
    const inAzure = { ...withoutConnection, SERVICEBUS_NAMESPACE: 'sb-tapline.servicebus.windows.net', INTAKE_MANAGED_IDENTITY_CLIENT_ID: 'ab09c6ec-b10b-4be5-8fc9-04cbe2fa966b' };
    expect(loadConfig(inAzure)).toMatchObject({ SERVICEBUS_NAMESPACE: 'sb-tapline.servicebus.windows.net' });
    expect(issuesOf({ ...inAzure, SERVICEBUS_CONNECTION_STRING: required.SERVICEBUS_CONNECTION_STRING })).toHaveProperty('SERVICEBUS_CONNECTION_STRING');
    expect(issuesOf({ ...required, INTAKE_MANAGED_IDENTITY_CLIENT_ID: 'ab09c6ec-b10b-4be5-8fc9-04cbe2fa966b' })).toHaveProperty('INTAKE_MANAGED_IDENTITY_CLIENT_ID');
  });

  it('refuses a pre-expiration stage (it carries no requestor) and unknown stages or types', () => {
    expect(issuesOf({ ...required, INTAKE_HANDLED_STAGES: 'assignmentRequestGranted,assignmentOneDayBeforeExpiration' })).toHaveProperty('INTAKE_HANDLED_STAGES');
    expect(issuesOf({ ...required, INTAKE_HANDLED_STAGES: 'granted' })).toHaveProperty('INTAKE_HANDLED_STAGES');
    expect(issuesOf({ ...required, INTAKE_HANDLED_REQUEST_TYPES: 'onBehalfAdd,unknownFutureValue' })).toHaveProperty('INTAKE_HANDLED_REQUEST_TYPES');
  });

  it('accepts other handled stages and types', () => {
    const config = loadConfig({ ...required, INTAKE_HANDLED_STAGES: 'assignmentRequestCreated', INTAKE_HANDLED_REQUEST_TYPES: 'userAdd, onBehalfAdd' });
    expect(settingsFrom(config).handled).toEqual({ stages: ['assignmentRequestCreated'], requestTypes: ['userAdd', 'onBehalfAdd'] });
  });

  it('refuses callers that are not GUIDs, a body limit past 64 KiB, a send budget past 5 s', () => {
    const issues = issuesOf({ ...required, INTAKE_ALLOWED_CALLERS: 'relay', INTAKE_BODY_LIMIT_BYTES: '1048576', INTAKE_ENQUEUE_TIMEOUT_MS: '10s' });
    expect(Object.keys(issues).sort()).toEqual(['INTAKE_ALLOWED_CALLERS', 'INTAKE_BODY_LIMIT_BYTES', 'INTAKE_ENQUEUE_TIMEOUT_MS']);
  });

  it('never quotes the connection string in an error', () => {
    const secret = 'Endpoint=sb://x;SharedAccessKeyName=k;SharedAccessKey=SUPERSECRETKEYVALUE';
    try {
      loadConfig({ ...required, SERVICEBUS_CONNECTION_STRING: secret, INTAKE_TENANT_ID: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('SUPERSECRETKEYVALUE');
      expect(String(error)).toContain('INTAKE_TENANT_ID');
    }
  });
});
