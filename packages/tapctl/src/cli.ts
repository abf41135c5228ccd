// Entry point of the `tapctl` bin: run, then let the event loop drain (no process.exit, so
// stdout is flushed even when piped).

import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
