// `pnpm --filter @tapline/intake package:azure`: the Function App package azd deploys (azure.yaml,
// service `intake`). azd packages JavaScript with npm, which cannot read this pnpm workspace, so
// the package is self-contained: the intake and its workspace packages bundled into one ES module
// (no TypeScript compiled at cold start, within Flex Consumption's 30 s start-up limit), plus the
// one dependency the Functions host must find as a package, @azure/functions, pinned as here.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The directory azure.yaml names as the intake's project; kept in git (empty) so azd finds it. */
export const PACKAGE_DIR = join(root, '.package');

export async function packageForAzure(outDir: string = PACKAGE_DIR): Promise<void> {
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  rmSync(join(outDir, 'dist'), { recursive: true, force: true });
  mkdirSync(join(outDir, 'dist'), { recursive: true });
  await build({
    entryPoints: [join(root, 'src/functions.ts')],
    outfile: join(outDir, 'dist/functions.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // The host hands the worker its own @azure/functions-core; @azure/functions must stay one copy.
    external: ['@azure/functions', '@azure/functions-core'],
    // Bundled CommonJS dependencies (rhea, the Azure SDKs) call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'host.json'), join(outDir, 'host.json'));
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({
    name: 'tapline-intake',
    version: '0.0.0',
    private: true,
    type: 'module',
    main: 'dist/functions.js',
    engines: { node: '>=22' },
    dependencies: { '@azure/functions': own.dependencies['@azure/functions'] },
  }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await packageForAzure();
  process.stdout.write(`intake package written to ${PACKAGE_DIR}\n`);
}
