import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Logger,
  SECRET_REGISTRY_MAX_ENTRIES,
  childLogger,
  clearRegisteredSecrets,
  createLogger,
  redactForLog,
  registerSecret,
  registeredSecretCount,
} from '../src/index.js';

/** A logger whose JSON lines land in memory. */
function capture(level: 'info' | 'debug' = 'info'): { logger: Logger; lines: () => string[]; text: () => string } {
  const chunks: string[] = [];
  const logger = createLogger({ name: 'test', level, destination: { write: (s: string) => void chunks.push(s) } });
  const lines = () => chunks.join('').split('\n').filter((l) => l !== '');
  return { logger, lines, text: () => chunks.join('') };
}

// Every shape the logger promises to redact, each as it would appear in the wild.
const SECRETS = {
  tap: 'Xy7#kQ2!',
  longTap: 'A1b2C3d4!e5F6g7H8i9J0k#L',
  graphPhone: '+1 5555551234',
  e164: '+15555551234',
  phoneWithExtension: '+44 20 7946 0958x12',
  email: 'bob.report@contoso.com',
  jwt: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  bearer: 'AbCdEf0123456789abcdef0123',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  sasKey: 'AbC123xyz987+/Q=',
};

function sentence(): string {
  return [
    `TAP ${SECRETS.tap} and ${SECRETS.longTap}`,
    `phones ${SECRETS.graphPhone}, ${SECRETS.e164}, ${SECRETS.phoneWithExtension}`,
    `mail ${SECRETS.email}`,
    `jwt ${SECRETS.jwt}`,
    `Authorization: Bearer ${SECRETS.bearer}`,
    `DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${SECRETS.accountKey};EndpointSuffix=core.windows.net`,
    `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${SECRETS.sasKey}`,
  ].join(' | ');
}

function expectNoSecret(output: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) expect(output, `${name} leaked`).not.toContain(secret);
  // Also the digits of the phone numbers in any spacing.
  expect(output.replace(/[^0-9]/g, '')).not.toContain('5555551234');
}

afterEach(() => clearRegisteredSecrets());

describe('createLogger redaction', () => {
  it('redacts every shape in the message', () => {
    const { logger, text } = capture();
    logger.info(sentence());
    expectNoSecret(text());
    expect(text()).toContain('[REDACTED:tap]');
  });

  it('redacts every shape in printf-style arguments, strings and objects alike', () => {
    const { logger, text } = capture();
    logger.info('sent %s to %s (%j) %o', SECRETS.tap, SECRETS.email, { phone: '5555551234', note: sentence() }, [sentence()]);
    expectNoSecret(text());
  });

  it('redacts every shape under innocuous keys at any depth and in arrays', () => {
    const { logger, text } = capture();
    logger.info({ note: sentence(), deep: { a: { b: { c: [sentence(), { d: sentence() }] } } }, list: [sentence(), [sentence()]] }, 'nested');
    expectNoSecret(text());
  });

  it('redacts by key, whatever the casing or separator, and whatever the value', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        temporaryAccessPass: 'plainpass',
        TemporaryAccessPass: 'plainpass',
        secret: 'plainpass',
        TAP: 'plainpass',
        password: 'plainpass',
        Authorization: 'plainpass',
        access_token: 'plainpass',
        accessToken: 'plainpass',
        token: 'plainpass',
        phone: 5555550100,
        phoneNumber: 'plainpass',
        mobilePhone: 'plainpass',
        businessPhones: ['plainpass'],
        mail: 'plainpass',
        email: 'plainpass',
        to: ['plainpass'],
        contacts: { mobilePhones: ['plainpass'] },
        body: { anything: 'plainpass' },
        connectionString: 'plainpass',
        accessKey: 'plainpass',
        'x-api-key': 'plainpass',
        managerEmail: 'plainpass',
        nested: { deeper: [{ Password: 'plainpass', CLIENT_SECRET: 'plainpass' }] },
      },
      'keys',
    );
    const line = lines()[0] ?? '';
    expect(line).not.toContain('plainpass');
    expect(line).not.toContain('5555550100');
    const record = JSON.parse(line) as Record<string, unknown>;
    expect(record['temporaryAccessPass']).toBe('[REDACTED]');
    expect((record['nested'] as { deeper: Array<Record<string, unknown>> }).deeper[0]?.['Password']).toBe('[REDACTED]');
  });

  it('redacts error messages, stacks, causes and extra fields, and keeps the error useful', () => {
    const { logger, lines } = capture();
    const cause = new Error(`upstream said ${sentence()}`);
    const err = Object.assign(new Error(`send failed: ${sentence()}`, { cause }), { code: 'E_ACS', statusCode: 400, response: { body: SECRETS.email, headers: { authorization: `Bearer ${SECRETS.bearer}` } } });
    logger.error({ err }, 'delivery failed');
    logger.error(new TypeError(`bad ${SECRETS.tap}`));
    logger.warn({ context: { inner: new RangeError(`inner ${SECRETS.graphPhone}`) } }, 'nested error');
    const [first, second, third] = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expectNoSecret(lines().join('\n'));
    const e = first?.['err'] as Record<string, unknown>;
    expect(e).toMatchObject({ type: 'Error', code: 'E_ACS', statusCode: 400 });
    expect(String(e['stack'])).toContain('logger.test.ts');
    expect((e['cause'] as Record<string, unknown>)['message']).toMatch(/^upstream said /);
    expect(second?.['msg']).toBe('bad [REDACTED:tap]');
    expect((second?.['err'] as Record<string, unknown>)['type']).toBe('TypeError');
    expect(((third?.['context'] as Record<string, unknown>)['inner'] as Record<string, unknown>)['message']).toBe('inner [REDACTED:phone]');
  });

  it('redacts child bindings, grandchildren and setBindings', () => {
    const { logger, text } = capture();
    const child = childLogger(logger, { requestId: '0e60f18c-b2a0-4887-9da8-da2e30a39d99', note: sentence(), email: 'x' });
    child.info('child');
    const grandchild = child.child({ to: 'plainpass', other: SECRETS.tap });
    grandchild.info('grandchild');
    grandchild.setBindings({ phone: 'plainpass' });
    grandchild.info('after setBindings');
    expectNoSecret(text());
    expect(text()).not.toContain('plainpass');
    expect(text()).toContain('"requestId":"0e60f18c-b2a0-4887-9da8-da2e30a39d99"');
  });

  it('lets ordinary identifiers, timestamps and numbers through untouched', () => {
    const { logger, lines } = capture();
    const fields = {
      requestId: '0e60f18c-b2a0-4887-9da8-da2e30a39d99',
      stageInstanceId: '957D0C50-466B-4840-BB5B-C92CEA7141FF',
      messageId: 'delivery:0e60f18c-b2a0-4887-9da8-da2e30a39d99:dddddddd-0000-4000-8000-00000000000d',
      referenceId: 'TL-0E60F18C',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      receivedAt: '2026-11-25T10:00:05.123Z',
      expiresAt: new Date('2026-11-25T11:00:05.123Z'),
      deliveryCount: 3,
      lifetimeMinutes: 60,
      isUsableOnce: true,
      reason: 'TargetNotFound',
      queue: 'tap-requests',
      channel: 'sms',
      phoneLast2: '42',
      tapId: 'dddddddd-0000-4000-8000-00000000000d',
    };
    logger.info(fields, 'delivered request 0e60f18c-b2a0-4887-9da8-da2e30a39d99 at 2026-11-25T10:00:05.123Z, attempt=2, sent to phone ending 42');
    const record = JSON.parse(lines()[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ ...fields, expiresAt: '2026-11-25T11:00:05.123Z', level: 'info', name: 'test' });
    expect(record['msg']).toBe('delivered request 0e60f18c-b2a0-4887-9da8-da2e30a39d99 at 2026-11-25T10:00:05.123Z, attempt=2, sent to phone ending 42');
    expect(typeof record['time']).toBe('string');
  });

  it('writes one JSON object per line and honours the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    logger.warn({ a: 1 }, 'shown too');
    expect(lines()).toHaveLength(2);
    for (const line of lines()) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('survives circular, deep, wide, binary and hostile values', () => {
    const { logger, lines } = capture();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    let deep: Record<string, unknown> = { leaf: SECRETS.tap };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${String(i)}`, i]));
    const hostile = JSON.parse(`{"__proto__":{"polluted":"${SECRETS.tap}"},"constructor":{"prototype":{"x":1}}}`) as unknown;
    logger.info({ circular, deep, wide, bytes: new TextEncoder().encode(SECRETS.tap), big: 10n, map: new Map([[SECRETS.email, 1]]), hostile }, 'odd values');
    const line = lines()[0] ?? '';
    expectNoSecret(line);
    const record = JSON.parse(line) as Record<string, Record<string, unknown>>;
    expect(record['circular']?.['self']).toBe('[Circular]');
    expect(JSON.stringify(record['deep'])).toContain('[Truncated]');
    expect(Object.keys(record['wide'] ?? {})).toHaveLength(201);
    expect(record['bytes']).toBe('[Binary 8 bytes]');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('registerSecret', () => {
  it('scrubs an exact value that has no recognisable shape', () => {
    const { logger, text } = capture();
    const shapeless = 'lowercaseonlypass';
    logger.info(`before ${shapeless}`);
    expect(text()).toContain(shapeless);
    expect(registerSecret(shapeless)).toBe(true);
    logger.info({ note: `after ${shapeless}`, list: [shapeless] }, `after ${shapeless}`);
    logger.error(new Error(`failed with ${shapeless}`));
    const after = capture();
    after.logger.info(shapeless);
    expect(text().split('\n').slice(1).join('\n')).not.toContain(shapeless);
    expect(after.text()).not.toContain(shapeless);
  });

  it('ignores values too short to scrub safely', () => {
    expect(registerSecret('abc12')).toBe(false);
    expect(registeredSecretCount()).toBe(0);
  });

  it('forgets values after their time to live', () => {
    const now = Date.now();
    registerSecret('expiringsecret', { ttlMs: 1_000, now: now - 2_000 });
    const { logger, text } = capture();
    logger.info('expiringsecret');
    expect(text()).toContain('expiringsecret');
    expect(registeredSecretCount()).toBe(0);
  });

  it('keeps a bounded number of values, dropping the oldest first', () => {
    for (let i = 0; i < SECRET_REGISTRY_MAX_ENTRIES + 10; i++) registerSecret(`secret-value-${String(i).padStart(5, '0')}`);
    expect(registeredSecretCount()).toBe(SECRET_REGISTRY_MAX_ENTRIES);
    expect(redactForLog('secret-value-00000')).toBe('secret-value-00000');
    expect(redactForLog(`x secret-value-${String(SECRET_REGISTRY_MAX_ENTRIES + 9).padStart(5, '0')} y`)).toBe('x [REDACTED:secret] y');
  });
});

describe('default destination', () => {
  it('writes redacted JSON lines to stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapline-obs-'));
    try {
      const script = join(dir, 'log.ts');
      const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
      writeFileSync(script, `import { createLogger } from ${JSON.stringify(index)};\ncreateLogger({ name: 'child-process' }).info({ email: 'x' }, 'tap ${SECRETS.tap} for ${SECRETS.email}');\n`);
      const result = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000, cwd: fileURLToPath(new URL('..', import.meta.url)) });
      expect(result.status, result.stderr).toBe(0);
      const record = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
      expect(record).toMatchObject({ name: 'child-process', email: '[REDACTED]', msg: 'tap [REDACTED:tap] for [REDACTED:email]' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
