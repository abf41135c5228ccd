/**
 * Thrown by parseConfig: every bad variable by name with the reason, never its value (environment
 * variables hold connection strings and keys). `main()` logs it and exits non-zero.
 */
export interface ConfigIssue {
  /** The environment variable name, or `(config)` for a rule that spans variables without naming one. */
  readonly name: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.name}: ${i.reason}`).join('\n')}`);
    this.issues = issues;
  }
}
