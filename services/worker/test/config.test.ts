import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@tapline/config';
import { DEFAULT_ELIGIBILITY_POLICY } from '@tapline/domain';
import type { EligibilityPolicy } from '@tapline/domain';
import { eligibilityPolicyOf, workerConfigSchema } from '@tapline/worker';

const minimal = {
  SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  TAPLINE_SEALING_KEYS: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  TAPLINE_SEALING_ACTIVE_KID: 'k1',
};

function issues(env: Record<string, string>): string[] {
  try {
    parseConfig(workerConfigSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => i.name);
    throw err;
  }
  return [];
}

describe('worker configuration', () => {
  it('needs only the connections and keys; the rest has the documented defaults', () => {
    const c = parseConfig(workerConfigSchema, minimal);
    expect(c).toMatchObject({
      WORKER_REQUESTS_QUEUE: 'tap-requests', WORKER_DELIVERIES_QUEUE: 'tap-deliveries', WORKER_CONCURRENCY: 8,
      GRAPH_BASE_URL: 'https://graph.microsoft.com', GRAPH_CREDENTIAL: 'managed-identity', GRAPH_WRITE_BUDGET: 3000, GRAPH_WRITE_WINDOW_MS: 150_000,
      WORKER_MAX_MANAGER_DEPTH: 1, WORKER_ALLOW_GUESTS: false, WORKER_TARGET_COOLDOWN_MINUTES: 60, WORKER_TAP_USABLE_ONCE: true,
    });
    expect(c.WORKER_TAP_LIFETIME_MINUTES).toBeUndefined();
    expect(c.TAPLINE_CRASH_AT).toBeUndefined();
  });

  it('reads every eligibility knob', () => {
    const c = parseConfig(workerConfigSchema, {
      ...minimal, WORKER_MAX_MANAGER_DEPTH: '2', WORKER_ALLOW_GUESTS: 'yes', WORKER_EXCLUDED_GROUP_IDS: '29192d05-2eac-440a-a90f-19cf81a7aac7',
      WORKER_MANAGER_CHANGE_QUARANTINE_HOURS: '0', WORKER_TARGET_COOLDOWN_MINUTES: '5', WORKER_REQUESTOR_DAILY_QUOTA: '3',
      WORKER_HANDLED_STAGES: 'assignmentRequestGranted', WORKER_TAP_LIFETIME_MINUTES: '120', WORKER_INPROCESS_RETRY_BUDGET_MS: '10s',
    });
    expect(c).toMatchObject({
      WORKER_MAX_MANAGER_DEPTH: 2, WORKER_ALLOW_GUESTS: true, WORKER_EXCLUDED_GROUP_IDS: ['29192d05-2eac-440a-a90f-19cf81a7aac7'],
      WORKER_MANAGER_CHANGE_QUARANTINE_HOURS: 0, WORKER_TARGET_COOLDOWN_MINUTES: 5, WORKER_REQUESTOR_DAILY_QUOTA: 3,
      WORKER_HANDLED_STAGES: ['assignmentRequestGranted'], WORKER_TAP_LIFETIME_MINUTES: 120, WORKER_INPROCESS_RETRY_BUDGET_MS: 10_000,
    });
  });

  it('turns every eligibility variable into its policy field (none is declared and ignored)', () => {
    const policy = eligibilityPolicyOf(parseConfig(workerConfigSchema, {
      ...minimal, WORKER_HANDLED_REQUEST_TYPES: 'onBehalfAdd,adminAdd', WORKER_HANDLED_STAGES: 'assignmentRequestGranted',
      WORKER_MAX_MANAGER_DEPTH: '2', WORKER_ALLOW_GUESTS: 'yes', WORKER_EXCLUDED_GROUP_IDS: '29192d05-2eac-440a-a90f-19cf81a7aac7',
      WORKER_MANAGER_CHANGE_QUARANTINE_HOURS: '0', WORKER_TARGET_COOLDOWN_MINUTES: '5', WORKER_REQUESTOR_DAILY_QUOTA: '3',
    }));
    expect(policy).toEqual({
      handled: { requestTypes: ['onBehalfAdd', 'adminAdd'], stages: ['assignmentRequestGranted'] },
      maxManagerDepth: 2, allowGuests: true, excludedGroupIds: ['29192d05-2eac-440a-a90f-19cf81a7aac7'],
      managerChangeQuarantineHours: 0, targetCooldownMinutes: 5, requestorDailyQuota: 3,
    });
    // Every field moved off its default: a policy field no variable reaches would stay put.
    for (const field of Object.keys(DEFAULT_ELIGIBILITY_POLICY) as (keyof EligibilityPolicy)[]) {
      expect(policy[field], field).not.toEqual(DEFAULT_ELIGIBILITY_POLICY[field]);
    }
    expect(eligibilityPolicyOf(parseConfig(workerConfigSchema, minimal))).toEqual(DEFAULT_ELIGIBILITY_POLICY);
  });

  it('enforces the cross-variable rules, naming the variable and never echoing a value', () => {
    const { SERVICEBUS_CONNECTION_STRING: _sb, ...noBus } = minimal;
    expect(issues(noBus)).toEqual(['SERVICEBUS_CONNECTION_STRING']);
    expect(issues({ ...minimal, TABLES_ENDPOINT: 'https://acct.table.core.windows.net' })).toEqual(['TABLES_CONNECTION_STRING']);
    expect(issues({ ...minimal, SEALING_KEY_VAULT_URL: 'https://kv.vault.azure.net' })).toEqual(['TAPLINE_SEALING_KEYS']);
    expect(issues({ ...minimal, WORKER_DELIVERIES_QUEUE: 'tap-requests' })).toEqual(['WORKER_DELIVERIES_QUEUE']);
    expect(issues({ ...minimal, WORKER_INPROCESS_RETRY_BUDGET_MS: '6m' })).toContain('WORKER_INPROCESS_RETRY_BUDGET_MS');
    expect(issues({ ...minimal, WORKER_EXCLUDED_GROUP_IDS: 'tier0' })).toEqual(['WORKER_EXCLUDED_GROUP_IDS']);
    expect(issues({ ...minimal, TAPLINE_CRASH_AT: 'somewhere' })).toEqual(['TAPLINE_CRASH_AT']);
    const bad = () => parseConfig(workerConfigSchema, { ...minimal, GRAPH_BASE_URL: 'not a url with secret s3cr3t' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/GRAPH_BASE_URL/);
    expect(bad).not.toThrow(/s3cr3t/);
  });
});
