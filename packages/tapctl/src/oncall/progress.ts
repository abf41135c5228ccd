// The progress bar of bulk work, on stderr (stdout stays the table or the one JSON document).
// cli-progress draws only on a terminal; piped or in CI it prints nothing.

import cliProgress from 'cli-progress';

export interface Progress {
  tick(outcome: string): void;
  stop(): void;
}

export function startProgress(total: number, action: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (total <= 1 || !stream.isTTY) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${action} [{bar}] {value}/{total} | {percentage}% | {eta_formatted} left | last: {last}`,
    hideCursor: true,
    clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { last: '-' });
  return {
    tick: (outcome) => bar.increment(1, { last: outcome }),
    stop: () => bar.stop(),
  };
}
