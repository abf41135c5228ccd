// Printed once per `pnpm test`, so every run's output says which Node the suites ran on (the
// project pins Node 22 through the `node` dev dependency; a run on another major is a setup fault).
export default function printNodeVersion(): void {
  process.stdout.write(`tapline tests on Node ${process.version} (${process.execPath})\n`);
}
