import { describe, expect, it } from 'vitest';
import { compileFilter, equalityValues, FilterSyntaxError } from '../src/graph/odata-filter.js';

const audit = {
  activityDisplayName: 'Update user',
  activityDateTime: '2026-01-01T10:00:00Z',
  targetResources: [{ id: 'a1', modifiedProperties: [{ displayName: 'Manager' }] }, { id: 'b2', modifiedProperties: [] }],
  initiatedBy: { user: { userPrincipalName: 'Hannah@contoso.example' } },
};

describe('OData $filter engine', () => {
  it.each([
    ["activityDisplayName eq 'Update user'", true],
    ["activityDisplayName eq 'update USER'", true],
    ["activityDisplayName ne 'Update user'", false],
    ["targetResources/any(t: t/id eq 'b2')", true],
    ["targetResources/any(t:t/id eq 'zz')", false],
    ["targetResources/any(t: t/modifiedProperties/any(p: p/displayName eq 'Manager'))", true],
    ['activityDateTime ge 2026-01-01T09:00:00Z and activityDateTime le 2026-01-01T11:00:00.000+00:00', true],
    ['activityDateTime gt 2026-01-01T10:00:00Z', false],
    ["startswith(initiatedBy/user/userPrincipalName, 'hannah')", true],
    ["activityDisplayName in ('Add user', 'Update user')", true],
    ["not (activityDisplayName eq 'Update user') or targetResources/all(t: t/id eq 'a1')", false],
    ["(activityDisplayName eq 'x' or activityDisplayName eq 'Update user') and missing/prop eq null", true],
  ])('%s → %s', (expression, expected) => {
    expect(compileFilter(expression)(audit)).toBe(expected);
  });

  it('escapes quotes by doubling them', () => {
    expect(compileFilter("displayName eq 'Sam O''Brien'")({ displayName: "Sam O'Brien" })).toBe(true);
  });

  it('finds the principalId a filter asks for', () => {
    expect(equalityValues("principalId eq 'abc' and roleDefinitionId eq 'r'", 'principalId')).toEqual(['abc']);
    expect(equalityValues("roleDefinitionId eq 'r'", 'principalId')).toEqual([]);
  });

  it('rejects malformed filters', () => {
    for (const bad of ["name eq 'unterminated", 'name eq', "targetResources/any(t t/id eq 'x')", "a eq 'b')"]) {
      expect(() => compileFilter(bad)).toThrow(FilterSyntaxError);
    }
  });
});
