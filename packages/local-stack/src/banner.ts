import type { StackInfo } from './stack.js';

export function banner(info: StackInfo, stackFile: string): string {
  const rows: [string, string][] = [
    ['intake (Functions host)', `${info.intake.url}/api/tap-requests`],
    ['Service Bus emulator', `${info.serviceBus.connectionString.split(';')[0] ?? ''}  (queues: ${info.serviceBus.adminUrl})`],
    ['Table Storage (Azurite)', info.tables.connectionString.match(/TableEndpoint=([^;]+)/)?.[1] ?? ''],
    ['Entra + Graph simulator', info.tenant.url],
    ['ACS simulator (outbox)', info.acs.outboxUrl],
    ['Telemetry dashboard', `${info.telemetry.url}/  (traces: pnpm tapctl trace <requestId>)`],
    ['worker, notifier', `running (logs in ${info.logs.dir})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    '',
    '  tapline local stack is up',
    '  ─────────────────────────',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    `  Endpoints for tools and tests: ${stackFile}`,
    '',
    '  Try (in another terminal):',
    '    pnpm tapctl simulate --requestor ben.okafor@contoso.onmicrosoft.com \\',
    '                         --target alice.novak@contoso.onmicrosoft.com --wait',
    `    then open ${info.acs.outboxUrl} to see the SMS.`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
