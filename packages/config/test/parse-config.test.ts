import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, type Env, env, parseConfig } from '../src/index.js';

// Shaped like a service's main(): every variable named once, cross-variable rules in superRefine.
const workerSchema = z
  .object({
    SERVICEBUS_CONNECTION_STRING: env.string(),
    GRAPH_BASE_URL: env.url({ protocols: ['https:', 'http:'] }),
    HEALTH_PORT: env.port().default(8080),
    LOCK_RENEW_INTERVAL: env.durationMs({ min: 1_000, max: 300_000 }).default(30_000),
    HANDLED_STAGES: env.list(z.enum(['assignmentRequestApproved', 'assignmentRequestGranted']), { min: 1 }).default(['assignmentRequestApproved']),
    EXCLUDED_GROUP_IDS: env.list().default([]),
    ALLOW_GUESTS: env.boolean().default(false),
    MAX_MANAGER_DEPTH: env.integer({ min: 1, max: 5 }).default(1),
    LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error']).default('info'),
    SEALING_KEY: env.string().optional(),
    SEALING_KEY_ID: env.string({ max: 64 }).optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.SEALING_KEY === undefined) !== (c.SEALING_KEY_ID === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['SEALING_KEY_ID'], message: 'must be set together with SEALING_KEY' });
    }
  });

const SECRET_CONNECTION = 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0S2V5VmFsdWU=';
const SECRET_KEY = 'q83vEjRWeJCrze8SNFZ4kKvN7s1UaX9Ow3sR1hZ2mQ0';

const good: Env = {
  SERVICEBUS_CONNECTION_STRING: SECRET_CONNECTION,
  GRAPH_BASE_URL: 'http://127.0.0.1:7443/v1.0',
  HEALTH_PORT: '0',
  LOCK_RENEW_INTERVAL: '45s',
  HANDLED_STAGES: 'assignmentRequestApproved, assignmentRequestGranted,',
  EXCLUDED_GROUP_IDS: ' a , b ',
  ALLOW_GUESTS: 'Yes',
  MAX_MANAGER_DEPTH: '2',
  LOG_LEVEL: 'debug',
  SEALING_KEY: SECRET_KEY,
  SEALING_KEY_ID: 'local-1',
  UNRELATED: 'ignored',
};

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('returns the typed configuration', () => {
    const config = parseConfig(workerSchema, good);
    expect(config).toEqual({
      SERVICEBUS_CONNECTION_STRING: SECRET_CONNECTION,
      GRAPH_BASE_URL: 'http://127.0.0.1:7443/v1.0',
      HEALTH_PORT: 0,
      LOCK_RENEW_INTERVAL: 45_000,
      HANDLED_STAGES: ['assignmentRequestApproved', 'assignmentRequestGranted'],
      EXCLUDED_GROUP_IDS: ['a', 'b'],
      ALLOW_GUESTS: true,
      MAX_MANAGER_DEPTH: 2,
      LOG_LEVEL: 'debug',
      SEALING_KEY: SECRET_KEY,
      SEALING_KEY_ID: 'local-1',
    });
    expect(config).not.toHaveProperty('UNRELATED');
  });

  it('applies defaults for unset and blank variables', () => {
    const config = parseConfig(workerSchema, {
      SERVICEBUS_CONNECTION_STRING: SECRET_CONNECTION,
      GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0',
      HEALTH_PORT: '',
      LOG_LEVEL: '   ',
    });
    expect(config).toMatchObject({
      HEALTH_PORT: 8080,
      LOCK_RENEW_INTERVAL: 30_000,
      HANDLED_STAGES: ['assignmentRequestApproved'],
      EXCLUDED_GROUP_IDS: [],
      ALLOW_GUESTS: false,
      MAX_MANAGER_DEPTH: 1,
      LOG_LEVEL: 'info',
    });
    expect(config.SEALING_KEY).toBeUndefined();
  });

  it('reads process.env by default', () => {
    const name = `TAPLINE_TEST_${String(process.pid)}`;
    process.env[name] = '2m';
    try {
      expect(parseConfig(z.object({ [name]: env.durationMs() }))).toEqual({ [name]: 120_000 });
    } finally {
      delete process.env[name];
    }
  });

  it.each([
    ['SERVICEBUS_CONNECTION_STRING', undefined, 'is required'],
    ['GRAPH_BASE_URL', 'graph.microsoft.com/v1.0', 'must be an absolute URL'],
    ['GRAPH_BASE_URL', 'ftp://graph.example/v1.0', 'must use https: or http:'],
    ['HEALTH_PORT', 'eighty', 'must be a whole number'],
    ['HEALTH_PORT', '70000', 'must be between 0 and 65535'],
    ['LOCK_RENEW_INTERVAL', 'soon', 'must be a duration such as 1500, 1500ms, 30s, 5m, 1h or 2d'],
    ['LOCK_RENEW_INTERVAL', '10m', 'must be between 1000 ms and 300000 ms'],
    ['HANDLED_STAGES', 'assignmentRequestCreated', 'expected one of "assignmentRequestApproved"|"assignmentRequestGranted"'],
    ['HANDLED_STAGES', ' , ', 'Too small: expected array to have >=1 items'],
    ['ALLOW_GUESTS', 'maybe', 'must be true or false (also 1/0, yes/no, on/off)'],
    ['MAX_MANAGER_DEPTH', '1.5', 'must be a whole number'],
    ['LOG_LEVEL', 'verbose', 'must be one of debug, info, warn, error'],
    ['SEALING_KEY_ID', 'k'.repeat(65), 'must be at most 64 characters'],
  ])('reports %s=%s by name: %s', (name, value, reason) => {
    const error = configError(() => parseConfig(workerSchema, { ...good, [name]: value }));
    expect(error.issues).toEqual([{ name, reason: expect.stringContaining(reason) as unknown }]);
    expect(error.message).toContain(`  ${name}: `);
  });

  it('reports every bad variable at once', () => {
    const error = configError(() => parseConfig(workerSchema, { HEALTH_PORT: 'x', ALLOW_GUESTS: 'perhaps' }));
    expect(error.issues.map((i) => i.name).sort()).toEqual(['ALLOW_GUESTS', 'GRAPH_BASE_URL', 'HEALTH_PORT', 'SERVICEBUS_CONNECTION_STRING']);
    expect(error.message.split('\n')).toHaveLength(5);
  });

  it('enforces a cross-variable rule, naming the variable', () => {
    const error = configError(() => parseConfig(workerSchema, { ...good, SEALING_KEY_ID: undefined }));
    expect(error.issues).toEqual([{ name: 'SEALING_KEY_ID', reason: 'must be set together with SEALING_KEY' }]);
  });

  it('never echoes a value, even when a custom rule tries to', () => {
    const leaky = z.object({
      API_KEY: z.string().refine((v) => v.startsWith('ok-'), { error: (iss) => `bad key ${String(iss.input)}` }),
      PORT: env.port(),
      URL: env.url({ protocols: ['https:'] }),
    });
    const values = { API_KEY: SECRET_KEY, PORT: SECRET_KEY, URL: `http://user:${SECRET_KEY}@host/` };
    const error = configError(() => parseConfig(leaky, values));
    const everything = `${error.message}\n${JSON.stringify(error.issues)}\n${String(error.stack)}`;
    expect(everything).not.toContain(SECRET_KEY);
    expect(error.issues.find((i) => i.name === 'API_KEY')?.reason).toBe('is not valid');
    for (const [name, value] of Object.entries(good)) {
      const bad = configError(() => parseConfig(workerSchema, { ...good, HEALTH_PORT: 'nope', [name === 'HEALTH_PORT' ? 'X' : name]: value }));
      expect(bad.message).not.toContain(SECRET_CONNECTION);
    }
  });

  it('is an Error a main() can report', () => {
    const error = configError(() => parseConfig(workerSchema, {}));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message.startsWith('invalid configuration:\n')).toBe(true);
  });
});

describe('env helpers', () => {
  it('parse durations in every unit', () => {
    const d = env.durationMs();
    expect(['1500', '1500ms', '30s', '5m', '1h', '2d', '0.5s', '1H'].map((v) => d.parse(v))).toEqual([1500, 1500, 30_000, 300_000, 3_600_000, 172_800_000, 500, 3_600_000]);
    expect(d.safeParse('-1s').success).toBe(false);
    expect(d.safeParse('1w').success).toBe(false);
  });

  it('parse booleans strictly', () => {
    const b = env.boolean();
    expect(['true', 'TRUE', '1', 'yes', 'on', 'false', '0', 'No', 'off'].map((v) => b.parse(v))).toEqual([true, true, true, true, true, false, false, false, false]);
    expect(b.safeParse('').success).toBe(false);
  });

  it('accept port 0 and 65535 and nothing outside', () => {
    expect(env.port().parse('0')).toBe(0);
    expect(env.port().parse('65535')).toBe(65_535);
    expect(env.port().safeParse('-1').success).toBe(false);
    expect(env.port().safeParse('65536').success).toBe(false);
  });
});
