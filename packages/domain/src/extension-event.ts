import { z } from 'zod';
import { type FieldError, PARSE_OPTIONS, WHOLE_BODY, firstFieldError } from './field-error.js';
import { guidSchema } from './guid.js';

/**
 * The body Entra entitlement management sends to a custom extension (through the relay Logic App),
 * decoded into one typed, normalised event. Facts: reference/platform-facts.md section 1.
 *
 * Decisions where the sources are silent (also in the package README):
 * - Keys match case-insensitively at every level (PascalCase as Entra sends, camelCase as Graph
 *   documents). Unknown fields are ignored; only known names are ever read, so `__proto__` or
 *   `constructor` keys are inert. The same field given twice with different casing is rejected
 *   (we cannot tell which one Entra meant).
 * - `null` counts as absent (Graph serialises missing relationships as null).
 * - Enum values (Stage, RequestType) also match case-insensitively and are normalised to Graph's
 *   spelling.
 * - An unknown Stage is a contract violation (the stage list is closed and documented). An unknown
 *   but well-formed RequestType becomes `unknownFutureValue` (Graph's evolvable-enum convention), so
 *   a new request type is answered "not handled" instead of failing the call-out; a missing
 *   RequestType becomes `notSpecified` (Microsoft's own template omits the field).
 * - CallbackUriPath must be a relative Graph path under `/identityGovernance/entitlementManagement/`
 *   made of plain path segments (no query, no percent-encoding, no dot segments): the notifier
 *   appends it to the Graph base URL, so anything else would let a caller aim our token elsewhere.
 * - Answers are never read: nothing from the requestor's free text can steer routing or delivery.
 */

export const CONNECTION_TEST_STAGE = 'CustomExtensionConnectionTest';

export const REQUEST_STAGES = [
  'assignmentRequestCreated',
  'assignmentRequestApproved',
  'assignmentRequestGranted',
  'assignmentRequestRemoved',
] as const;
export type RequestStage = (typeof REQUEST_STAGES)[number];

export const PRE_EXPIRATION_STAGES = [
  'assignmentFourteenDaysBeforeExpiration',
  'assignmentOneDayBeforeExpiration',
] as const;
export type PreExpirationStage = (typeof PRE_EXPIRATION_STAGES)[number];

/** Graph's accessPackageRequestType, including its evolvable-enum sentinel. */
export const REQUEST_TYPES = [
  'notSpecified',
  'userAdd',
  'userUpdate',
  'userRemove',
  'adminAdd',
  'adminUpdate',
  'adminRemove',
  'systemAdd',
  'systemUpdate',
  'systemRemove',
  'onBehalfAdd',
  'unknownFutureValue',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const DISPLAY_NAME_MAX = 256;
export const CALLBACK_URI_PATH_MAX = 2048;
const STATE_MAX = 128;
const ENUM_MAX = 64;

export interface EntityRef {
  readonly id: string;
  readonly displayName?: string;
}

export interface Subject {
  readonly objectId: string;
  readonly displayName?: string;
}

export interface AssignmentRef {
  readonly id?: string;
  readonly state?: string;
  readonly status?: string;
  readonly policyId?: string;
}

export interface ConnectionTestEvent {
  readonly kind: 'connectionTest';
}

export interface AssignmentRequestEvent {
  readonly kind: 'assignmentRequest';
  readonly stage: RequestStage;
  readonly stageInstanceId: string;
  readonly requestId: string;
  readonly requestType: RequestType;
  /** Relative Graph path of the resume endpoint; present when the extension is launch-and-wait. */
  readonly callbackUriPath?: string;
  /** ISO 8601 duration (`PT1H`) from CallbackConfiguration, as sent. */
  readonly callbackTimeout?: string;
  readonly accessPackage: EntityRef;
  readonly catalog: EntityRef;
  readonly assignment: AssignmentRef;
  /** The user the access package (and so the TAP) is for: the report in an on-behalf request. */
  readonly target: Subject;
  /** Who asked: the manager in an on-behalf request. */
  readonly requestor: Subject;
}

export interface PreExpirationEvent {
  readonly kind: 'preExpiration';
  readonly stage: PreExpirationStage;
  readonly stageInstanceId: string;
  readonly requestId: string;
  readonly accessPackage: EntityRef;
  readonly catalog: EntityRef;
  readonly assignment: AssignmentRef;
  readonly target?: Subject;
}

export type ExtensionEvent = ConnectionTestEvent | AssignmentRequestEvent | PreExpirationEvent;

/** The field is named as Entra sends it (PascalCase path), whatever casing the caller used. */
export type ContractViolation = FieldError;

export type ExtensionEventResult =
  | { readonly ok: true; readonly event: ExtensionEvent }
  | { readonly ok: false; readonly error: ContractViolation };

// ---------------------------------------------------------------------------------------------
// Step 1: pick the known fields case-insensitively into an object keyed by the wire names.

type Shape = { readonly [wireName: string]: Shape | true };

/** The call-out's known fields; exported (not from index.ts) for the test holding the picker to its first version. */
export const CALLOUT_SHAPE: Shape = {
  Stage: true,
  CustomExtensionStageInstanceId: true,
  AccessPackageAssignmentRequestId: true,
  RequestType: true,
  CallbackUriPath: true,
  // Graph's resource page calls it timeoutDuration, its create example durationBeforeTimeout.
  CallbackConfiguration: { DurationBeforeTimeout: true, TimeoutDuration: true },
  AccessPackage: { Id: true, DisplayName: true },
  AccessPackageCatalog: { Id: true, DisplayName: true },
  Assignment: {
    Id: true,
    State: true,
    Status: true,
    AssignmentPolicy: { Id: true },
    Target: { ObjectId: true, DisplayName: true },
  },
  Requestor: { ObjectId: true, DisplayName: true },
};

type Picked = { [wireName: string]: unknown };

/** One known field of a shape, prepared once so a decode allocates no lookup tables or paths. */
interface KnownField {
  readonly wireName: string;
  /** Dotted path as Entra spells it, for violations (`Assignment.Target.ObjectId`). */
  readonly field: string;
  /** This field's bit in the per-object "seen" mask. */
  readonly bit: number;
  readonly nested?: KnownFields;
}

/** Keyed by the wire name and by its lower-case form, so the usual spellings skip `toLowerCase`. */
type KnownFields = ReadonlyMap<string, KnownField>;

function knownFields(shape: Shape, path: string): KnownFields {
  const names = Object.keys(shape);
  if (names.length > 31) throw new Error('a shape has at most 31 fields (one bit each in the seen mask)');
  const byName = new Map<string, KnownField>();
  names.forEach((wireName, i) => {
    const field = path === '' ? wireName : `${path}.${wireName}`;
    const nested = shape[wireName];
    const known: KnownField = { wireName, field, bit: 1 << i, ...(nested !== true && nested !== undefined && { nested: knownFields(nested, field) }) };
    byName.set(wireName, known);
    byName.set(wireName.toLowerCase(), known);
  });
  return byName;
}

const CALLOUT_FIELDS = knownFields(CALLOUT_SHAPE, '');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pickKnown(input: Record<string, unknown>, fields: KnownFields): { ok: true; value: Picked } | { ok: false; error: FieldError } {
  const out: Picked = {};
  let seen = 0;
  // for-in with an own-property check visits what Object.keys lists, without an array per object.
  for (const key in input) {
    if (!Object.prototype.hasOwnProperty.call(input, key)) continue;
    const known = fields.get(key) ?? fields.get(key.toLowerCase());
    if (known === undefined) continue;
    if ((seen & known.bit) !== 0) return { ok: false, error: { field: known.field, message: 'appears more than once with different casing' } };
    seen |= known.bit;
    const value = input[key];
    if (value === null || value === undefined) continue;
    if (known.nested !== undefined && isRecord(value)) {
      const inner = pickKnown(value, known.nested);
      if (!inner.ok) return inner;
      out[known.wireName] = inner.value;
    } else {
      out[known.wireName] = value;
    }
  }
  return { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------
// Step 2: validate per kind with zod; issue paths are already the wire names.

function caseInsensitiveEnum<const T extends readonly string[]>(values: T, unknownMessage: string) {
  const byLower = new Map(values.map((v) => [v.toLowerCase(), v] as const));
  return z
    .string({ error: 'must be a string' })
    .max(ENUM_MAX)
    .transform((s, ctx): T[number] => {
      const found = byLower.get(s.toLowerCase());
      if (found === undefined) {
        ctx.addIssue({ code: 'custom', message: unknownMessage });
        return z.NEVER;
      }
      return found;
    });
}

const REQUEST_TYPE_BY_LOWER = new Map(REQUEST_TYPES.map((t) => [t.toLowerCase(), t] as const));

const requestTypeSchema = z
  .string({ error: 'must be a string' })
  .max(ENUM_MAX)
  .regex(/^[A-Za-z]+$/, { error: 'is not a recognised request type' })
  .transform((s): RequestType => REQUEST_TYPE_BY_LOWER.get(s.toLowerCase()) ?? 'unknownFutureValue');

const displayName = z.string().max(DISPLAY_NAME_MAX);
const stateText = z.string().max(STATE_MAX);

// Both rules are regexes rather than lower-casing and splitting the path: they run on every
// call-out and again on every message encode, and the copies cost about 1 KiB each time.
// The prefix in any ASCII casing: the only non-ASCII characters toLowerCase turns into ASCII
// (U+0130 into `i` and a combining dot, U+212A into `k`) cannot make this prefix.
const CALLBACK_PREFIX = /^\/identitygovernance\/entitlementmanagement\//i;
// Every segment after the first `/` is one or more plain characters and not `.` or `..`. Segments
// cannot contain `/`, so the match is linear.
const PLAIN_SEGMENTS = /^[^/]*(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~()'=-]+)*$/;
export const callbackUriPathSchema = z
  .string({ error: 'must be a string' })
  .max(CALLBACK_URI_PATH_MAX)
  .refine((s) => CALLBACK_PREFIX.test(s), {
    error: 'must be a relative Graph path under /identityGovernance/entitlementManagement/',
  })
  .refine((s) => PLAIN_SEGMENTS.test(s), {
    error: 'must contain only plain path segments',
  });

// ISO 8601 duration as Entra writes it (PT1H, P14D); bounded digit runs keep the regex linear.
const isoDurationSchema = z
  .string({ error: 'must be a string' })
  .max(ENUM_MAX)
  .regex(/^P(?=\d|T\d)(?:\d{1,9}Y)?(?:\d{1,9}M)?(?:\d{1,9}W)?(?:\d{1,9}D)?(?:T(?=\d)(?:\d{1,9}H)?(?:\d{1,9}M)?(?:\d{1,9}(?:\.\d{1,9})?S)?)?$/, {
    error: 'must be an ISO 8601 duration',
  });

const entityRefSchema = z.object(
  { Id: guidSchema, DisplayName: displayName.optional() });

const subjectSchema = z.object(
  { ObjectId: guidSchema, DisplayName: displayName.optional() });

const assignmentFields = {
  Id: guidSchema.optional(),
  State: stateText.optional(),
  Status: stateText.optional(),
  AssignmentPolicy: z.object({ Id: guidSchema.optional() }).optional(),
};

const commonFields = {
  CustomExtensionStageInstanceId: guidSchema,
  AccessPackageAssignmentRequestId: guidSchema,
  AccessPackage: entityRefSchema,
  AccessPackageCatalog: entityRefSchema,
};

const assignmentRequestSchema = z.object({
  ...commonFields,
  RequestType: requestTypeSchema.optional(),
  CallbackUriPath: callbackUriPathSchema.optional(),
  CallbackConfiguration: z
    .object({ DurationBeforeTimeout: isoDurationSchema.optional(), TimeoutDuration: isoDurationSchema.optional() })
    .optional(),
  Assignment: z.object({ ...assignmentFields, Target: subjectSchema }),
  Requestor: subjectSchema,
});

const preExpirationSchema = z.object({
  ...commonFields,
  Assignment: z.object(
    {
      ...assignmentFields,
      // Pre-expiration bodies may describe a target that is not (yet) a tenant user.
      Target: z.object({ ObjectId: guidSchema.optional(), DisplayName: displayName.optional() }).optional(),
    }),
});

const stageSchema = caseInsensitiveEnum([CONNECTION_TEST_STAGE, ...REQUEST_STAGES, ...PRE_EXPIRATION_STAGES] as const, 'is not a supported stage');

/** zod's own parsers for the call-out, exported only for the test that holds the compiled ones to them. */
export const CALLOUT_SCHEMAS = { stage: stageSchema, assignmentRequest: assignmentRequestSchema, preExpiration: preExpirationSchema };

// z.compile turns each schema into one generated function instead of zod's per-node dispatch and
// payload objects: about half the time and allocation of a decode. Every check still runs, and an
// input the compiled path rejects is parsed again by zod's own parser, so violations are unchanged.
const parseStage = z.compile(stageSchema);
const parseAssignmentRequest = z.compile(assignmentRequestSchema);
const parsePreExpiration = z.compile(preExpirationSchema);

// ---------------------------------------------------------------------------------------------

/**
 * Decode a custom-extension call-out body (already JSON-parsed). Never throws for any JSON value;
 * the error names the field as Entra spells it and never contains the offending value.
 */
export function decodeExtensionEvent(body: unknown): ExtensionEventResult {
  if (!isRecord(body)) return { ok: false, error: { field: WHOLE_BODY, message: 'must be a JSON object' } };
  const picked = pickKnown(body, CALLOUT_FIELDS);
  if (!picked.ok) return picked;
  const fields = picked.value;

  const stage = parseStage.safeParse(fields['Stage'], PARSE_OPTIONS);
  if (!stage.success) {
    const { message } = firstFieldError(stage.error);
    return { ok: false, error: { field: 'Stage', message } };
  }
  if (stage.data === CONNECTION_TEST_STAGE) return { ok: true, event: { kind: 'connectionTest' } };

  if (isPreExpirationStage(stage.data)) {
    const parsed = parsePreExpiration.safeParse(fields, PARSE_OPTIONS);
    if (!parsed.success) return { ok: false, error: firstFieldError(parsed.error) };
    const f = parsed.data;
    const targetId = f.Assignment.Target?.ObjectId;
    const event: PreExpirationEvent = {
      kind: 'preExpiration',
      stage: stage.data,
      stageInstanceId: f.CustomExtensionStageInstanceId,
      requestId: f.AccessPackageAssignmentRequestId,
      accessPackage: entityRef(f.AccessPackage),
      catalog: entityRef(f.AccessPackageCatalog),
      assignment: assignmentRef(f.Assignment),
      ...(targetId !== undefined && { target: subject({ ObjectId: targetId, DisplayName: f.Assignment.Target?.DisplayName }) }),
    };
    return { ok: true, event };
  }

  const parsed = parseAssignmentRequest.safeParse(fields, PARSE_OPTIONS);
  if (!parsed.success) return { ok: false, error: firstFieldError(parsed.error) };
  const f = parsed.data;
  const callbackTimeout = f.CallbackConfiguration?.DurationBeforeTimeout ?? f.CallbackConfiguration?.TimeoutDuration;
  const event: AssignmentRequestEvent = {
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
  };
  return { ok: true, event };
}

export function isRequestStage(stage: string): stage is RequestStage {
  return (REQUEST_STAGES as readonly string[]).includes(stage);
}

export function isPreExpirationStage(stage: string): stage is PreExpirationStage {
  return (PRE_EXPIRATION_STAGES as readonly string[]).includes(stage);
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
  // Assigned one by one: spreading four `cond && {...}` pieces builds a temporary object for each
  // and copies it in, which cost about 0.7 KiB and 1.5 us per decode.
  const ref: { id?: string; state?: string; status?: string; policyId?: string } = {};
  if (f.Id !== undefined) ref.id = f.Id;
  if (f.State !== undefined) ref.state = f.State;
  if (f.Status !== undefined) ref.status = f.Status;
  const policyId = f.AssignmentPolicy?.Id;
  if (policyId !== undefined) ref.policyId = policyId;
  return ref;
}
