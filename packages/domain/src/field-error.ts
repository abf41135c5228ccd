import type { z } from 'zod';

/**
 * A validation failure that names the offending field and never echoes its value (a value can be
 * a phone number, an email address or worse). Shared by the call-out contract and the queue
 * message contracts so every decoder reports the same shape.
 */
export interface FieldError {
  /** Dot-separated path, e.g. `Assignment.Target.ObjectId` or `callback.uriPath`; `(body)` for the whole input. */
  readonly field: string;
  readonly message: string;
}

export const WHOLE_BODY = '(body)';

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return WHOLE_BODY;
  return path.map((p) => (typeof p === 'symbol' ? '?' : String(p))).join('.');
}

/**
 * Our own wording per issue code: zod's default texts do not include the input today, but this
 * keeps that guarantee ours rather than a library detail. Custom messages written in our schemas
 * (static strings) are kept.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // `input` is present because decoders parse with `reportInput: true`; it never leaves here.
      return issue.input === undefined ? 'is required'
        : `must be ${article(issue.expected)}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${String(issue.maximum)} characters`
        : issue.origin === 'array'
          ? `must have at most ${String(issue.maximum)} items`
          : `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`
        : issue.origin === 'array'
          ? `must have at least ${String(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}`
          : `must be at least ${String(issue.minimum)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : 'is not one of the accepted values';
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`;
      }
      return 'does not match any accepted shape';
    case 'unrecognized_keys':
      return 'has unexpected fields';
    case 'invalid_format':
    case 'custom':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      return isStaticMessage(issue.message) ? issue.message : 'is not valid';
  }
}

/** Messages we write ourselves are short, one line, and start lower case ("must be a GUID"). */
function isStaticMessage(message: string): boolean {
  return /^[a-z][^\n]{0,160}$/.test(message);
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Parse options for every decoder: `reportInput` lets us tell "missing" from "wrong type". */
export const PARSE_OPTIONS = { reportInput: true } as const;

export function firstFieldError(error: z.ZodError): FieldError {
  const issue = error.issues[0];
  if (issue === undefined) return { field: WHOLE_BODY, message: 'is not valid' };
  return { field: fieldPath(issue.path), message: describeIssue(issue) };
}
