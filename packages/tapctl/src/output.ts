// Where tapctl's lines go. Human mode: everything on stdout. JSON mode: stdout carries exactly one
// JSON document (the last line), so `tapctl ... --json | jq` works; progress goes to stderr.

export interface Writer {
  write(text: string): unknown;
}

export interface Output {
  readonly json: boolean;
  /** Progress and human results. */
  info(line: string): void;
  /** Warnings: always stderr. */
  warn(line: string): void;
  /** The machine-readable result: one line of JSON on stdout, in JSON mode only. */
  result(value: unknown): void;
}

export function createOutput(stdout: Writer, stderr: Writer, json: boolean): Output {
  return {
    json,
    info: (line) => void (json ? stderr : stdout).write(`${line}\n`),
    warn: (line) => void stderr.write(`tapctl: warning: ${line}\n`),
    result: (value) => {
      if (json) stdout.write(`${JSON.stringify(value)}\n`);
    },
  };
}
