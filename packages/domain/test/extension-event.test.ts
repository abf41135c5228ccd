import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callbackUriPathSchema } from '../src/extension-event.js';
import { PARSE_OPTIONS } from '../src/field-error.js';
import {
  type AssignmentRequestEvent,
  type ExtensionEventResult,
  PRE_EXPIRATION_STAGES,
  REQUEST_STAGES,
  decodeExtensionEvent,
} from '../src/index.js';
import { CALLBACK_PATH, IDS, preExpirationCallout, requestCallout, requestCalloutCamel, withPath } from './builders.js';

function expectEvent(result: ExtensionEventResult) {
  if (!result.ok) throw new Error(`expected an event, got ${result.error.field}: ${result.error.message}`);
  return result.event;
}

function expectViolation(result: ExtensionEventResult) {
  if (result.ok) throw new Error(`expected a violation, got a ${result.event.kind} event`);
  return result.error;
}

function expectRequest(result: ExtensionEventResult): AssignmentRequestEvent {
  const event = expectEvent(result);
  if (event.kind !== 'assignmentRequest') throw new Error(`expected assignmentRequest, got ${event.kind}`);
  return event;
}

/** Rewrites every key of a JSON value with `f`. */
function mapKeys(value: unknown, f: (key: string, depth: number) => string, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, f, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k, depth), mapKeys(v, f, depth + 1)]));
  }
  return value;
}

describe('decodeExtensionEvent: stages', () => {
  it.each(REQUEST_STAGES)('decodes the request-workflow stage %s', (stage) => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ Stage: stage })));
    expect(event.stage).toBe(stage);
    expect(event.requestId).toBe(IDS.request);
    expect(event.stageInstanceId).toBe(IDS.stageInstance);
  });

  it.each(PRE_EXPIRATION_STAGES)('decodes the pre-expiration stage %s without requestor, type or callback', (stage) => {
    const event = expectEvent(decodeExtensionEvent(preExpirationCallout({ Stage: stage })));
    expect(event).toEqual({
      kind: 'preExpiration',
      stage,
      stageInstanceId: IDS.stageInstance,
      requestId: IDS.request,
      accessPackage: { id: IDS.accessPackage, displayName: 'Lost authenticator' },
      catalog: { id: IDS.catalog, displayName: 'Helpdesk' },
      assignment: { id: IDS.assignment, state: 'Delivered', status: 'Delivered' },
      target: { objectId: IDS.report, displayName: 'Bob Report' },
    });
  });

  it('decodes a pre-expiration call-out whose target is not a tenant user yet', () => {
    const body = withPath(preExpirationCallout(), 'Assignment.Target.ObjectId', null);
    const event = expectEvent(decodeExtensionEvent(body));
    expect(event.kind).toBe('preExpiration');
    expect(event).not.toHaveProperty('target');
  });

  it('recognises the connection test and needs nothing else', () => {
    expect(decodeExtensionEvent({ Stage: 'CustomExtensionConnectionTest' })).toEqual({ ok: true, event: { kind: 'connectionTest' } });
    expect(decodeExtensionEvent({ stage: 'customextensionconnectiontest', AccessPackage: 'garbage' })).toEqual({ ok: true, event: { kind: 'connectionTest' } });
  });

  it('rejects an unknown or missing stage, naming Stage', () => {
    expect(expectViolation(decodeExtensionEvent(requestCallout({ Stage: 'assignmentRequestExploded' })))).toEqual({ field: 'Stage', message: 'is not a supported stage' });
    expect(expectViolation(decodeExtensionEvent(requestCallout({ Stage: undefined })))).toEqual({ field: 'Stage', message: 'is required' });
    expect(expectViolation(decodeExtensionEvent(requestCallout({ Stage: 42 })))).toEqual({ field: 'Stage', message: 'must be a string' });
  });

  it('rejects a body that is not a JSON object', () => {
    for (const body of [null, [], 'text', 7, true]) {
      expect(expectViolation(decodeExtensionEvent(body))).toEqual({ field: '(body)', message: 'must be a JSON object' });
    }
  });
});

describe('decodeExtensionEvent: casing', () => {
  const expected: AssignmentRequestEvent = {
    kind: 'assignmentRequest',
    stage: 'assignmentRequestApproved',
    stageInstanceId: IDS.stageInstance,
    requestId: IDS.request,
    requestType: 'onBehalfAdd',
    callbackUriPath: CALLBACK_PATH,
    callbackTimeout: 'PT1H',
    accessPackage: { id: IDS.accessPackage, displayName: 'Lost authenticator' },
    catalog: { id: IDS.catalog, displayName: 'Helpdesk' },
    assignment: { id: IDS.assignment, state: 'Delivering', status: 'Delivering', policyId: IDS.policy },
    target: { objectId: IDS.report, displayName: 'Bob Report' },
    requestor: { objectId: IDS.manager, displayName: 'Alice Manager' },
  };

  it('decodes the PascalCase body Entra sends', () => {
    expect(expectRequest(decodeExtensionEvent(requestCallout()))).toEqual(expected);
  });

  it('decodes the camelCase body Graph documents to the same event', () => {
    expect(expectRequest(decodeExtensionEvent(requestCalloutCamel()))).toEqual(expected);
  });

  it('decodes any casing, level by level, to the same event', () => {
    const shouting = mapKeys(requestCallout(), (k) => k.toUpperCase());
    const alternating = mapKeys(requestCallout(), (k, depth) => (depth % 2 === 0 ? k.toLowerCase() : k.toUpperCase()));
    expect(expectRequest(decodeExtensionEvent(shouting))).toEqual(expected);
    expect(expectRequest(decodeExtensionEvent(alternating))).toEqual(expected);
  });

  it('matches enum values case-insensitively and normalises them', () => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ Stage: 'ASSIGNMENTREQUESTGRANTED', RequestType: 'onbehalfadd' })));
    expect(event.stage).toBe('assignmentRequestGranted');
    expect(event.requestType).toBe('onBehalfAdd');
  });

  it('normalises GUIDs to lower case', () => {
    const body = withPath(requestCallout(), 'Assignment.Target.ObjectId', IDS.report.toUpperCase());
    expect(expectRequest(decodeExtensionEvent(body)).target.objectId).toBe(IDS.report);
  });

  it('rejects the same field twice with different casing, naming it', () => {
    const body = { ...requestCallout(), stage: 'assignmentRequestCreated' };
    expect(expectViolation(decodeExtensionEvent(body))).toEqual({ field: 'Stage', message: 'appears more than once with different casing' });
  });

  it('names a nested field given twice by its full path, even when one copy is null', () => {
    const twice = withPath(requestCallout(), 'Assignment.Target.objectid', IDS.manager);
    expect(expectViolation(decodeExtensionEvent(twice))).toEqual({ field: 'Assignment.Target.ObjectId', message: 'appears more than once with different casing' });
    const nullFirst = { ...requestCallout(), Requestor: null, requestor: { objectId: IDS.manager } };
    expect(expectViolation(decodeExtensionEvent(nullFirst))).toEqual({ field: 'Requestor', message: 'appears more than once with different casing' });
  });

  it('reads own fields only, never inherited ones', () => {
    const body = Object.assign(Object.create({ Stage: 'assignmentRequestRemoved', stage: 'x', Requestor: null }) as object, requestCallout());
    expect(expectRequest(decodeExtensionEvent(body))).toEqual(expected);
  });
});

describe('decodeExtensionEvent: the manager-on-behalf shape', () => {
  it('maps Requestor to the manager and Assignment.Target to the report', () => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ RequestType: 'onBehalfAdd' })));
    expect(event.requestType).toBe('onBehalfAdd');
    expect(event.requestor.objectId).toBe(IDS.manager);
    expect(event.target.objectId).toBe(IDS.report);
  });

  it('keeps every documented request type, maps an unknown one to unknownFutureValue and a missing one to notSpecified', () => {
    for (const t of ['userAdd', 'adminAdd', 'systemRemove', 'unknownFutureValue']) {
      expect(expectRequest(decodeExtensionEvent(requestCallout({ RequestType: t }))).requestType).toBe(t);
    }
    expect(expectRequest(decodeExtensionEvent(requestCallout({ RequestType: 'managerAddForReport' }))).requestType).toBe('unknownFutureValue');
    expect(expectRequest(decodeExtensionEvent(requestCallout({ RequestType: undefined }))).requestType).toBe('notSpecified');
    expect(expectViolation(decodeExtensionEvent(requestCallout({ RequestType: 'on behalf; drop' })))).toEqual({ field: 'RequestType', message: 'is not a recognised request type' });
  });

  it('omits the callback when the extension is launch-and-continue', () => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ CallbackUriPath: undefined, CallbackConfiguration: undefined })));
    expect(event).not.toHaveProperty('callbackUriPath');
    expect(event).not.toHaveProperty('callbackTimeout');
  });

  it('reads the callback timeout under either documented name', () => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ CallbackConfiguration: { TimeoutDuration: 'P14D' } })));
    expect(event.callbackTimeout).toBe('P14D');
    expect(expectViolation(decodeExtensionEvent(requestCallout({ CallbackConfiguration: { DurationBeforeTimeout: '1 hour' } })))).toEqual({
      field: 'CallbackConfiguration.DurationBeforeTimeout',
      message: 'must be an ISO 8601 duration',
    });
  });
});

describe('decodeExtensionEvent: field errors', () => {
  it.each([
    ['Assignment.Target.ObjectId', undefined, 'is required'],
    ['Assignment.Target.ObjectId', null, 'is required'],
    ['Assignment.Target', undefined, 'is required'],
    ['Requestor.ObjectId', undefined, 'is required'],
    ['Requestor', undefined, 'is required'],
    ['AccessPackage.Id', undefined, 'is required'],
    ['AccessPackageCatalog', undefined, 'is required'],
    ['CustomExtensionStageInstanceId', undefined, 'is required'],
    ['AccessPackageAssignmentRequestId', undefined, 'is required'],
    ['Requestor', 'alice', 'must be an object'],
  ])('reports %s set to %s', (path, value, message) => {
    expect(expectViolation(decodeExtensionEvent(withPath(requestCallout(), path, value)))).toEqual({ field: path, message });
  });

  it('names Assignment.Target.ObjectId whatever casing the body used', () => {
    const camel = withPath(requestCalloutCamel(), 'assignment.target.objectId', undefined);
    expect(expectViolation(decodeExtensionEvent(camel))).toEqual({ field: 'Assignment.Target.ObjectId', message: 'is required' });
  });

  it.each([
    'CustomExtensionStageInstanceId',
    'AccessPackageAssignmentRequestId',
    'AccessPackage.Id',
    'AccessPackageCatalog.Id',
    'Assignment.Id',
    'Assignment.AssignmentPolicy.Id',
    'Assignment.Target.ObjectId',
    'Requestor.ObjectId',
  ])('rejects a non-GUID %s without echoing it', (path) => {
    for (const bad of ['bob@contoso.com', '957d0c50466b4840bb5bc92cea7141ff', '957d0c50-466b-4840-bb5b-c92cea7141fg', `{${IDS.report}}`, ' ' + IDS.report]) {
      const error = expectViolation(decodeExtensionEvent(withPath(requestCallout(), path, bad)));
      expect(error).toEqual({ field: path, message: 'must be a GUID' });
    }
  });

  it('enforces the length limits at the boundary', () => {
    const at = 'x'.repeat(256);
    expect(decodeExtensionEvent(withPath(requestCallout(), 'AccessPackage.DisplayName', at)).ok).toBe(true);
    for (const path of ['AccessPackage.DisplayName', 'AccessPackageCatalog.DisplayName', 'Assignment.Target.DisplayName', 'Requestor.DisplayName']) {
      expect(expectViolation(decodeExtensionEvent(withPath(requestCallout(), path, at + 'x')))).toEqual({ field: path, message: 'must be at most 256 characters' });
    }
    expect(expectViolation(decodeExtensionEvent(withPath(requestCallout(), 'Assignment.State', 's'.repeat(129))))).toEqual({
      field: 'Assignment.State',
      message: 'must be at most 128 characters',
    });
    const longPath = `/identityGovernance/entitlementManagement/${'a'.repeat(2048)}`;
    expect(expectViolation(decodeExtensionEvent(requestCallout({ CallbackUriPath: longPath })))).toEqual({
      field: 'CallbackUriPath',
      message: 'must be at most 2048 characters',
    });
    expect(expectViolation(decodeExtensionEvent(requestCallout({ RequestType: 'a'.repeat(65) })))).toEqual({
      field: 'RequestType',
      message: 'must be at most 64 characters',
    });
  });

  it.each([
    'https://evil.example/identityGovernance/entitlementManagement/x',
    '//evil.example/identityGovernance/entitlementManagement/x',
    '/users/someone/authentication/temporaryAccessPassMethods',
    '/identityGovernance/entitlementManagement/../../users/x',
    '/identityGovernance/entitlementManagement/assignmentRequests/x/resume?$expand=x',
    '/identityGovernance/entitlementManagement/assignmentRequests/x%2F..%2Fy/resume',
    '/identityGovernance/entitlementManagement//resume',
  ])('rejects the callback path %s', (path) => {
    const error = expectViolation(decodeExtensionEvent(requestCallout({ CallbackUriPath: path })));
    expect(error.field).toBe('CallbackUriPath');
    expect(error.message).not.toContain('evil');
  });

  it('accepts the beta callback path form', () => {
    const path = `/identityGovernance/entitlementManagement/accessPackageAssignmentRequests('${IDS.request}')/resume`;
    expect(expectRequest(decodeExtensionEvent(requestCallout({ CallbackUriPath: path }))).callbackUriPath).toBe(path);
  });
});

describe('decodeExtensionEvent: hostile and unknown input', () => {
  it('ignores unknown fields and never carries the answers', () => {
    const event = expectRequest(decodeExtensionEvent(requestCallout({ VerifiedCredentialsData: { x: 1 }, SomethingNew: [1, 2] })));
    expect(JSON.stringify(event)).not.toContain('5555550100');
    expect(event).not.toHaveProperty('answers');
  });

  it('treats __proto__ and constructor keys as inert', () => {
    const text = JSON.stringify(requestCallout()).replace(/^\{/, '{"__proto__":{"polluted":true,"Stage":"assignmentRequestRemoved"},"constructor":{"prototype":{"polluted":true}},');
    const event = expectRequest(decodeExtensionEvent(JSON.parse(text)));
    expect(event.stage).toBe('assignmentRequestApproved');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
  });

  it('never throws on arbitrary JSON and returns either an event or a field error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodeExtensionEvent(value);
        if (result.ok) expect(['connectionTest', 'assignmentRequest', 'preExpiration']).toContain(result.event.kind);
        else expect(typeof result.error.field === 'string' && typeof result.error.message === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // Mutations of a valid body: drop a field, replace a value, re-case a key, at any depth.
  const paths = [
    'Stage',
    'RequestType',
    'CallbackUriPath',
    'CustomExtensionStageInstanceId',
    'AccessPackageAssignmentRequestId',
    'CallbackConfiguration',
    'CallbackConfiguration.DurationBeforeTimeout',
    'AccessPackage',
    'AccessPackage.Id',
    'AccessPackage.DisplayName',
    'AccessPackageCatalog.Id',
    'Assignment',
    'Assignment.Id',
    'Assignment.State',
    'Assignment.AssignmentPolicy',
    'Assignment.AssignmentPolicy.Id',
    'Assignment.Target',
    'Assignment.Target.ObjectId',
    'Assignment.Target.DisplayName',
    'Requestor',
    'Requestor.ObjectId',
  ];
  const mutation = fc.record({
    path: fc.constantFrom(...paths),
    value: fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.string({ maxLength: 300 }), fc.uuid()),
  });

  it('never throws on mutated valid bodies, and what it accepts is well-formed', () => {
    fc.assert(
      fc.property(fc.constantFrom(requestCallout(), preExpirationCallout(), requestCalloutCamel()), fc.array(mutation, { maxLength: 4 }), fc.boolean(), (base, mutations, upper) => {
        let body = upper ? (mapKeys(base, (k) => k.toUpperCase()) as Record<string, unknown>) : base;
        for (const m of mutations) body = withPath(body, upper ? m.path.toUpperCase() : m.path, m.value);
        const result = decodeExtensionEvent(body);
        if (!result.ok) {
          expect(result.error.field).toMatch(/^(\(body\)|[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*)*)$/);
          // The message never echoes a value from the body.
          for (const m of mutations) {
            if (typeof m.value === 'string' && m.value.length >= 8) expect(result.error.message).not.toContain(m.value);
          }
          return;
        }
        const event = result.event;
        if (event.kind === 'connectionTest') return;
        const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
        expect(event.requestId).toMatch(guid);
        expect(event.stageInstanceId).toMatch(guid);
        if (event.kind === 'assignmentRequest') {
          expect(event.target.objectId).toMatch(guid);
          expect(event.requestor.objectId).toMatch(guid);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('callbackUriPathSchema', () => {
  // The rules as first written (lower-case the path, split it on `/`): the regexes must agree.
  const asFirstWritten = z
    .string({ error: 'must be a string' })
    .max(2048)
    .refine((s) => s.toLowerCase().startsWith('/identitygovernance/entitlementmanagement/'), {
      error: 'must be a relative Graph path under /identityGovernance/entitlementManagement/',
    })
    .refine((s) => s.split('/').slice(1).every((seg) => /^[A-Za-z0-9._~()'=-]+$/.test(seg) && seg !== '.' && seg !== '..'), {
      error: 'must contain only plain path segments',
    });

  const fragment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('/', '//', '.', '..', '...', '.a', 'a.', 'resume', IDS.request, 'A', 'z', '0', '_', '~', '(', ')', "'", '=', '-') },
    { weight: 2, arbitrary: fc.constantFrom('/identityGovernance/entitlementManagement/', '/IDENTITYGOVERNANCE/ENTITLEMENTMANAGEMENT/', '/identitygovernance/entitlementmanagement', '/\u0130dentitygovernance/entitlementmanagement/', 'identityGovernance/entitlementManagement/') },
    { weight: 1, arbitrary: fc.constantFrom('%2F', '?x=1', '#', ' ', '\n', '\u0130', '\u212a', '\u017f', '\u00e9', '\ud83d\ude00', '\ud83d', 'x'.repeat(2000)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  );
  const anyPath = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));
  // Mostly well-formed: a valid prefix, then segments that are plain more often than not.
  const graphPath = fc
    .tuple(
      fc.constantFrom('/identityGovernance/entitlementManagement/', '/IDENTITYGOVERNANCE/entitlementmanagement/'),
      fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('assignmentRequests', IDS.request, 'resume', "a(b)'c=d~e", '...', '.a', 'a..') }, { weight: 1, arbitrary: fragment }), { maxLength: 5 }),
    )
    .map(([prefix, segments]) => `${prefix}${segments.join('/')}`);
  const path = fc.oneof(anyPath, graphPath);

  it('accepts and rejects exactly what the first-written rules did, with the same messages', () => {
    fc.assert(
      fc.property(path, (s) => {
        const now = callbackUriPathSchema.safeParse(s, PARSE_OPTIONS);
        const before = asFirstWritten.safeParse(s, PARSE_OPTIONS);
        expect(now.success).toBe(before.success);
        expect(now.error?.issues.map((i) => i.message)).toEqual(before.error?.issues.map((i) => i.message));
      }),
      { numRuns: 20_000 },
    );
  });
});
