// A reader for the Dockerfile instructions the image tests check: stages (FROM ... AS name), ENV,
// USER, COPY (--from), CMD (exec form only), and the `pnpm ... deploy` step of a RUN. Line
// continuations are joined; comments and blank lines skipped. Anything else is kept as text.

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly env: Record<string, string>;
  user: string | undefined;
  cmd: string[];
  readonly copies: { from: string | undefined; source: string; destination: string }[];
  readonly runs: string[];
}

export interface Dockerfile {
  readonly stages: Stage[];
  /** The `pnpm --filter <pkg> --prod deploy <out>` of a RUN, if any. */
  readonly deploy: { filter: string; out: string } | undefined;
}

function instructions(text: string): { op: string; args: string }[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

export function parseDockerfile(text: string): Dockerfile {
  const stages: Stage[] = [];
  let deploy: Dockerfile['deploy'];
  for (const { op, args } of instructions(text)) {
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`FROM ${args}: not understood`);
      stages.push({ from: m[1]!, name: m[2], env: {}, user: undefined, cmd: [], copies: [], runs: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${op} before FROM`);
    if (op === 'ENV') {
      for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    } else if (op === 'USER') {
      stage.user = args;
    } else if (op === 'CMD') {
      if (!args.startsWith('[')) throw new Error('CMD must be in exec form (JSON array), so node receives SIGTERM');
      stage.cmd = JSON.parse(args) as string[];
    } else if (op === 'COPY') {
      const words = args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      stage.copies.push({ from, source: paths[0]!, destination: paths[paths.length - 1]! });
    } else if (op === 'RUN') {
      stage.runs.push(args);
      const m = /pnpm\s+--filter\s+(\S+)\s+--prod\s+deploy\s+(\S+)/.exec(args);
      if (m) deploy = { filter: m[1]!, out: m[2]! };
    }
  }
  return { stages, deploy };
}
