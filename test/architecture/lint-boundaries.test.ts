// Proves that the architecture's boundaries (DESIGN section 11) are enforced by lint, not by
// good intentions: each forbidden import below must be reported by the repository's own config.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = path.join(root, 'test/architecture/lint-fixtures');

// Boundary rules only; type-aware rules need the files in a tsconfig, which virtual files are not.
const eslint = new ESLint({
  cwd: root,
  ignore: false,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'import-x/no-cycle',
});

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('lint boundaries', () => {
  it.each([
    ['an Azure SDK', `import { ServiceBusClient } from '@azure/service-bus';\nexport const x = ServiceBusClient;`],
    ['the Graph client', `import { Client } from '@microsoft/microsoft-graph-client';\nexport const x = Client;`],
    ['a Node I/O module', `import { readFileSync } from 'node:fs';\nexport const x = readFileSync;`],
    ['node:crypto', `import { randomUUID } from 'node:crypto';\nexport const x = randomUUID;`],
    ['a bare Node builtin', `import http from 'http';\nexport const x = http;`],
    ['another workspace package', `import { createLogger } from '@tapline/observability';\nexport const x = createLogger;`],
  ])('packages/domain may not import %s', async (_what, code) => {
    expect(await ruleIdsFor('packages/domain/src/boundary-probe.ts', code)).toContain('no-restricted-imports');
  });

  it('packages/domain may import zod and its own modules', async () => {
    const code = `import { z } from 'zod';\nimport type { X } from './x.js';\nexport const s = z.string();\nexport type Y = X;`;
    expect(await ruleIdsFor('packages/domain/src/boundary-probe.ts', code)).toEqual([]);
  });

  it.each([
    ['by package name', `import { main } from '@tapline/intake';\nexport const x = main;`],
    ['by relative path', `import { main } from '../../intake/src/main.js';\nexport const x = main;`],
  ])('a service may not import another service %s', async (_how, code) => {
    expect(await ruleIdsFor('services/worker/src/boundary-probe.ts', code)).toContain('no-restricted-imports');
  });

  it('a service may import shared packages by name', async () => {
    const code = `import { decodeExtensionEvent } from '@tapline/domain';\nexport const x = decodeExtensionEvent;`;
    expect(await ruleIdsFor('services/worker/src/boundary-probe.ts', code)).toEqual([]);
  });

  it('no deep import into another package\'s src', async () => {
    const code = `import { x } from '@tapline/domain/src/errors.js';\nexport const y = x;`;
    expect(await ruleIdsFor('packages/ledger/src/boundary-probe.ts', code)).toContain('no-restricted-imports');
  });

  it('an import cycle is reported', async () => {
    const results = await eslint.lintFiles([path.join(fixtures, 'cycle/a.ts')]);
    expect(results.flatMap((r) => r.messages.map((m) => m.ruleId))).toContain('import-x/no-cycle');
  });
});
