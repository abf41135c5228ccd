// fast-check generators of hostile request bodies, shared by the handler fuzz test and the
// smaller fuzz run over HTTP.
import fc from 'fast-check';
import { callout } from '../helpers/callouts.js';

export interface FuzzCase {
  readonly body: string | Uint8Array;
  readonly contentType: string | undefined;
}

const FIELD_PATHS: readonly (readonly string[])[] = [
  ['Stage'],
  ['CustomExtensionStageInstanceId'],
  ['AccessPackageAssignmentRequestId'],
  ['RequestType'],
  ['CallbackUriPath'],
  ['CallbackConfiguration'],
  ['CallbackConfiguration', 'DurationBeforeTimeout'],
  ['AccessPackage'],
  ['AccessPackage', 'Id'],
  ['AccessPackageCatalog', 'Id'],
  ['Assignment'],
  ['Assignment', 'Target'],
  ['Assignment', 'Target', 'ObjectId'],
  ['Assignment', 'Target', 'DisplayName'],
  ['Assignment', 'AssignmentPolicy', 'Id'],
  ['Requestor'],
  ['Requestor', 'ObjectId'],
  ['Requestor', 'DisplayName'],
  ['__proto__'],
  ['constructor'],
  ['Assignment', '__proto__'],
  ['Requestor', 'constructor'],
  ['prototype'],
];

const hostileKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'Stage', 'stage', 'STAGE', 'toString', 'hasOwnProperty');

/** Nesting from shallow to far past any sane depth. */
const deepNesting = fc.integer({ min: 1, max: 3_000 }).chain((depth) =>
  fc.constantFrom(`${'['.repeat(depth)}${']'.repeat(depth)}`, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `{"Stage":${'['.repeat(depth)}${']'.repeat(depth)}}`),
);

const wrongTypes = fc.oneof(
  fc.jsonValue(),
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.array(fc.string(), { maxLength: 5 }),
  fc.dictionary(hostileKeys, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.uuid(),
  fc.constantFrom('assignmentRequestApproved', 'CustomExtensionConnectionTest', 'onBehalfAdd', '/identityGovernance/entitlementManagement/x/resume', '../../..', '%2e%2e'),
);

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      const fresh: Record<string, unknown> = {};
      Object.defineProperty(node, key, { value: fresh, enumerable: true, writable: true, configurable: true });
      node = fresh;
    } else {
      node = next as Record<string, unknown>;
    }
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  // defineProperty, so `__proto__` becomes an own key, as JSON.parse would make it.
  Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
}

/** A valid call-out with one to three fields replaced by something else. */
const mutatedCallout = fc
  .array(fc.tuple(fc.constantFrom(...FIELD_PATHS), wrongTypes), { minLength: 1, maxLength: 3 })
  .map((mutations) => {
    const body = callout();
    for (const [path, value] of mutations) setPath(body, path, value);
    return JSON.stringify(body);
  });

/** A valid call-out, sometimes with key casing scrambled or extra hostile keys (often accepted). */
const validishCallout = fc
  .tuple(fc.boolean(), fc.dictionary(hostileKeys, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
  .map(([lowerCase, extra]) => {
    const body: Record<string, unknown> = callout();
    for (const [k, v] of Object.entries(extra)) if (k !== 'Stage' && k !== 'stage' && k !== 'STAGE') setPath(body, [k], v);
    const text = JSON.stringify(body);
    return lowerCase ? text.replace(/"([A-Z])([A-Za-z]*)":/g, (_m, a: string, b: string) => `"${a.toLowerCase()}${b}":`) : text;
  });

const hugeString = fc.integer({ min: 60 * 1024, max: 200 * 1024 }).map((n) => JSON.stringify(callout({ DisplayName: 'x'.repeat(n) })));

const rawBytes = fc.uint8Array({ maxLength: 512 });

const jsonContentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/problem+json');
const otherContentType = fc.constantFrom(undefined, 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jsonx');

export function fuzzBodies(): fc.Arbitrary<FuzzCase> {
  const body = fc.oneof(
    { weight: 4, arbitrary: mutatedCallout },
    { weight: 2, arbitrary: validishCallout },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: hugeString },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: rawBytes },
  );
  const contentType = fc.oneof({ weight: 9, arbitrary: jsonContentType }, { weight: 1, arbitrary: otherContentType });
  return fc.record({ body, contentType });
}
