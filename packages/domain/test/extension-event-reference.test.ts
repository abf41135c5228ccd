import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALLOUT_SCHEMAS, CALLOUT_SHAPE } from '../src/extension-event.js';
import { type FieldError, PARSE_OPTIONS, WHOLE_BODY, firstFieldError } from '../src/field-error.js';
import {
  type AssignmentRef,
  CONNECTION_TEST_STAGE,
  type EntityRef,
  type ExtensionEventResult,
  PRE_EXPIRATION_STAGES,
  REQUEST_STAGES,
  type Subject,
  decodeExtensionEvent,
  isPreExpirationStage,
} from '../src/index.js';
import { CALLBACK_PATH, IDS } from './builders.js';

/*
 * decodeExtensionEvent picks the known fields with prepared lookup tables, a bit mask of seen
 * fields and for...in with an own-property check (commit 24a4607). This property holds it to the
 * decoder as first written: the picking step below is the old pickKnown verbatim (Object.keys, a
 * Map and a Set built per object), followed by zod's own (uncompiled) parsers and the old
 * spread-built event. Bodies start valid and are bent where picking can go wrong: every known key
 * in mixed casing, the same key twice (the first copy sometimes null), fields inherited from a
 * prototype or shadowed by non-enumerable own ones, prototype-less objects, own `__proto__` and
 * `constructor` keys (JSON.parse makes `__proto__` an own key), nested shapes replaced by
 * non-objects.
 */

// ---------------------------------------------------------------------------------------------
// The reference: the decoder before 24a4607 (zod's parsers instead of the compiled ones).

// The shape is the decoder's own (data, not the logic under test).
type Shape = typeof CALLOUT_SHAPE;

type Picked = { [wireName: string]: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function referencePickKnown(input: Record<string, unknown>, shape: Shape, path: string): { ok: true; value: Picked } | { ok: false; error: FieldError } {
  const byLowerName = new Map<string, string>();
  for (const name of Object.keys(shape)) byLowerName.set(name.toLowerCase(), name);
  const out: Picked = {};
  const seen = new Set<string>();
  for (const key of Object.keys(input)) {
    const wireName = byLowerName.get(key.toLowerCase());
    if (wireName === undefined) continue;
    const field = path === '' ? wireName : `${path}.${wireName}`;
    if (seen.has(wireName)) return { ok: false, error: { field, message: 'appears more than once with different casing' } };
    seen.add(wireName);
    const value = input[key];
    if (value === null || value === undefined) continue;
    const nested = shape[wireName];
    if (nested !== true && nested !== undefined && isRecord(value)) {
      const inner = referencePickKnown(value, nested, field);
      if (!inner.ok) return inner;
      out[wireName] = inner.value;
    } else {
      out[wireName] = value;
    }
  }
  return { ok: true, value: out };
}

function referenceDecode(body: unknown): ExtensionEventResult {
  if (!isRecord(body)) return { ok: false, error: { field: WHOLE_BODY, message: 'must be a JSON object' } };
  const picked = referencePickKnown(body, CALLOUT_SHAPE, '');
  if (!picked.ok) return picked;
  const fields = picked.value;

  const stage = CALLOUT_SCHEMAS.stage.safeParse(fields['Stage'], PARSE_OPTIONS);
  if (!stage.success) return { ok: false, error: { field: 'Stage', message: firstFieldError(stage.error).message } };
  if (stage.data === CONNECTION_TEST_STAGE) return { ok: true, event: { kind: 'connectionTest' } };

  if (isPreExpirationStage(stage.data)) {
    const parsed = CALLOUT_SCHEMAS.preExpiration.safeParse(fields, PARSE_OPTIONS);
    if (!parsed.success) return { ok: false, error: firstFieldError(parsed.error) };
    const f = parsed.data;
    const targetId = f.Assignment.Target?.ObjectId;
    return {
      ok: true,
      event: {
        kind: 'preExpiration',
        stage: stage.data,
        stageInstanceId: f.CustomExtensionStageInstanceId,
        requestId: f.AccessPackageAssignmentRequestId,
        accessPackage: entityRef(f.AccessPackage),
        catalog: entityRef(f.AccessPackageCatalog),
        assignment: assignmentRef(f.Assignment),
        ...(targetId !== undefined && { target: subject({ ObjectId: targetId, DisplayName: f.Assignment.Target?.DisplayName }) }),
      },
    };
  }

  const parsed = CALLOUT_SCHEMAS.assignmentRequest.safeParse(fields, PARSE_OPTIONS);
  if (!parsed.success) return { ok: false, error: firstFieldError(parsed.error) };
  const f = parsed.data;
  const callbackTimeout = f.CallbackConfiguration?.DurationBeforeTimeout ?? f.CallbackConfiguration?.TimeoutDuration;
  return {
    ok: true,
    event: {
      kind: 'assignmentRequest',
      stage: stage.data,
      stageInstanceId: f.CustomExtensionStageInstanceId,
      requestId: f.AccessPackageAssignmentRequestId,
      requestType: f.RequestType ?? 'notSpecified',
      ...(f.CallbackUriPath !== undefined && { callbackUriPath: f.CallbackUriPath }),
      ...(callbackTimeout !== undefined && { callbackTimeout }),
      accessPackage: entityRef(f.AccessPackage),
      catalog: entityRef(f.AccessPackageCatalog),
      assignment: assignmentRef(f.Assignment),
      target: subject(f.Assignment.Target),
      requestor: subject(f.Requestor),
    },
  };
}

function entityRef(f: { Id: string; DisplayName?: string | undefined }): EntityRef {
  return { id: f.Id, ...(f.DisplayName !== undefined && { displayName: f.DisplayName }) };
}

function subject(f: { ObjectId: string; DisplayName?: string | undefined }): Subject {
  return { objectId: f.ObjectId, ...(f.DisplayName !== undefined && { displayName: f.DisplayName }) };
}

function assignmentRef(f: {
  Id?: string | undefined;
  State?: string | undefined;
  Status?: string | undefined;
  AssignmentPolicy?: { Id?: string | undefined } | undefined;
}): AssignmentRef {
  const policyId = f.AssignmentPolicy?.Id;
  return {
    ...(f.Id !== undefined && { id: f.Id }),
    ...(f.State !== undefined && { state: f.State }),
    ...(f.Status !== undefined && { status: f.Status }),
    ...(policyId !== undefined && { policyId }),
  };
}

// ---------------------------------------------------------------------------------------------
// Generated bodies. A body is planned as a tree of entries, then built either as live objects
// (prototypes, non-enumerable keys, defineProperty for an own `__proto__`) or as JSON text that
// JSON.parse reads (own `__proto__` the way a request body gets one).

interface Entry {
  readonly key: string;
  readonly value: unknown;
  readonly enumerable: boolean;
}

interface Plan {
  readonly entries: readonly Entry[];
  /** 'object': Object.prototype; 'none': Object.create(null); otherwise a prototype carrying these entries. */
  readonly proto: 'object' | 'none' | readonly Entry[];
}

const isPlan = (value: unknown): value is Plan => isRecord(value) && PLAN in value;
const PLAN = Symbol('plan');

function plan(entries: readonly Entry[], proto: Plan['proto']): Plan {
  return { [PLAN]: true, entries, proto } as Plan;
}

function buildObject(p: Plan): Record<string, unknown> {
  const proto = p.proto === 'object' ? Object.prototype : p.proto === 'none' ? null : defineAll(Object.create(null) as object, p.proto);
  return defineAll(Object.create(proto) as object, p.entries) as Record<string, unknown>;
}

function defineAll(target: object, entries: readonly Entry[]): object {
  for (const { key, value, enumerable } of entries) {
    // defineProperty keeps the first position of a repeated key, as JSON.parse does, and makes
    // `__proto__` an own property instead of setting the prototype.
    Object.defineProperty(target, key, { value: build(value, 'objects'), enumerable, writable: true, configurable: true });
  }
  return target;
}

function toJson(value: unknown): string {
  if (isPlan(value)) {
    const members = value.entries.filter((e) => e.enumerable && e.value !== undefined).map((e) => `${JSON.stringify(e.key)}:${toJson(e.value)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function build(value: unknown, how: 'objects' | 'json'): unknown {
  if (how === 'json') return JSON.parse(toJson(value)) as unknown;
  return isPlan(value) ? buildObject(value) : value;
}

/** The casings a key may arrive in: Entra's, Graph's, all upper or lower, or letter by letter. */
function casingOf(name: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(name, name.toLowerCase(), name.toUpperCase(), name.charAt(0).toLowerCase() + name.slice(1)),
    fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) =>
      [...name].map((c, i) => (up[i] === true ? c.toUpperCase() : c.toLowerCase())).join('')),
  );
}

const leafMiss = fc.constantFrom<unknown>(
  null,
  undefined,
  '',
  0,
  true,
  [],
  [IDS.report],
  {},
  'x'.repeat(257),
  IDS.report.toUpperCase(),
  '{957d0c50-466b-4840-bb5b-c92cea7141ff}',
  'not-a-guid',
  'PT',
  'brandNewType',
  'user-add',
  `${CALLBACK_PATH}/..`,
  CONNECTION_TEST_STAGE,
);

const STAGES = [CONNECTION_TEST_STAGE, ...REQUEST_STAGES, ...PRE_EXPIRATION_STAGES, 'assignmentRequestExpired'];

/** Valid values per wire name (a GUID wherever a name ends in Id). */
function validLeaf(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Stage':
      return fc.constantFrom(...STAGES).chain(casingOf);
    case 'RequestType':
      return fc.constantFrom('onBehalfAdd', 'USERADD', 'adminRemove', 'brandNewType');
    case 'CallbackUriPath':
      return fc.constant(CALLBACK_PATH);
    case 'DurationBeforeTimeout':
    case 'TimeoutDuration':
      return fc.constantFrom('PT1H', 'P14D');
    case 'DisplayName':
      return fc.constantFrom('Bob Report', 'Helpdesk', '');
    case 'State':
    case 'Status':
      return fc.constantFrom('Delivering', 'Delivered');
    default:
      return fc.constantFrom(IDS.report, IDS.manager, IDS.request.toUpperCase());
  }
}

function fieldValue(name: string, shape: Shape | true, depth: number): fc.Arbitrary<unknown> {
  const valid = shape === true ? validLeaf(name) : objectPlan(shape, depth + 1);
  return fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: leafMiss, weight: 1 });
}

/** One known field: absent, once, or twice in two casings (the first copy sometimes null). */
function knownEntries(name: string, shape: Shape | true, depth: number): fc.Arbitrary<readonly Entry[]> {
  const once = fc.record({ key: casingOf(name), value: fieldValue(name, shape, depth), enumerable: fc.constant(true) });
  return fc.oneof(
    { arbitrary: fc.constant<readonly Entry[]>([]), weight: 1 },
    { arbitrary: once.map((e): readonly Entry[] => [e]), weight: 40 },
    { arbitrary: fc.tuple(once, casingOf(name), fc.constantFrom<unknown>(null, undefined, 'same')).map(([e, key, first]): readonly Entry[] => [
      { key, value: first === 'same' ? e.value : first, enumerable: true },
      e,
    ]), weight: 1 },
  );
}

/** Keys that must stay inert, some carrying known names inside. */
function extraEntries(shape: Shape, depth: number): fc.Arbitrary<Entry[]> {
  const names = Object.keys(shape);
  const extra = fc.record({
    key: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'Answers', 'Unknown', 'State'),
    value: fc.oneof(leafMiss, depth < 2 ? objectPlan(shape, depth + 1) : fc.constant(null)),
    enumerable: fc.constant(true),
  });
  // A known name that is own but not enumerable: invisible to both pickers, and it hides an
  // inherited copy of the same name.
  const hidden = fc.record({
    key: fc.constantFrom(...names).chain(casingOf),
    value: leafMiss,
    enumerable: fc.constant(false),
  });
  return fc.array(fc.oneof({ arbitrary: extra, weight: 3 }, { arbitrary: hidden, weight: 1 }), { maxLength: 2 });
}

function protoOf(shape: Shape): fc.Arbitrary<Plan['proto']> {
  const inherited = fc.array(
    fc.constantFrom(...Object.keys(shape)).chain((name) =>
      fc.record({ key: casingOf(name), value: shape[name] === true ? validLeaf(name) : leafMiss, enumerable: fc.constant(true) })),
    { minLength: 1, maxLength: 3 },
  );
  return fc.oneof(
    { arbitrary: fc.constant<Plan['proto']>('object'), weight: 6 },
    { arbitrary: fc.constant<Plan['proto']>('none'), weight: 1 },
    { arbitrary: inherited, weight: 2 },
  );
}

function objectPlan(shape: Shape, depth: number): fc.Arbitrary<Plan> {
  const fields = Object.entries(shape).map(([name, nested]) => knownEntries(name, nested, depth));
  return fc
    .tuple(fc.tuple(...fields), extraEntries(shape, depth), protoOf(shape))
    .chain(([known, extra, proto]) => {
      const entries = [...known.flat(), ...extra];
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }).map((order) => plan(order, proto));
    });
}

const body = fc.tuple(objectPlan(CALLOUT_SHAPE, 0), fc.constantFrom<'objects' | 'json'>('objects', 'json')).map(([p, how]) => build(p, how));

describe('decodeExtensionEvent against the decoder it replaced', () => {
  it('picks and decodes bent bodies exactly as the first-written decoder did', () => {
    fc.assert(
      fc.property(body, (b) => {
        const actual = decodeExtensionEvent(b);
        const expected = referenceDecode(b);
        expect(actual).toStrictEqual(expected);
        expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 4_000 },
    );
  });
});
