// `pnpm bench:notifier`: how close the notifier runs to the configured SMS limit, and whether it
// drops anything. A backlog of sealed deliveries is published first, then one notifier drains it
// against the local stack (emulator, Azurite, ACS simulator, tenant simulator, each a process).
// The SMS limit is scaled down (default 120/min) so the run stays short; the gate is the same code
// at 200/min. Figure: accepted SMS per minute (first to last acceptance, as the ACS simulator
// timestamps them) divided by the configured limit; target >= 0.95 with 0 drops.
//
//   pnpm bench:notifier [--per-minute 120] [--deliveries 60] [--concurrency 8] [--manager-notices]
//
// --manager-notices turns the manager confirmations on (requestor: a real manager of the demo
// org, so each delivery also sends an email): it shows the email limit (30/min) capping the
// pipeline, since a handler finishes its confirmation before taking the next message.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { waitFor } from '@tapline/test-harness';
import { startStack, tapIn, type SealedDelivery } from '../test/integration/stack.js';

const { values } = parseArgs({
  // `pnpm bench:notifier -- --deliveries 20` passes the `--` through.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    'per-minute': { type: 'string', default: '120' },
    deliveries: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '8' },
    'manager-notices': { type: 'boolean', default: false },
  },
});
const perMinute = Number(values['per-minute']);
const count = Number(values.deliveries);
const concurrency = Number(values.concurrency);
const notices = values['manager-notices'];
/** ben.okafor in the tenant simulator's demo org (has a mail attribute). */
const MANAGER = DEMO.ben.id;
if (!(perMinute > 0 && count >= 2 && count <= 2_000 && concurrency >= 1)) throw new Error('bad arguments');

const stack = await startStack();
try {
  const batch: { d: SealedDelivery; e164: string }[] = [];
  for (let i = 0; i < count; i++) {
    const local = `42577${String(i).padStart(5, '0')}`;
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: notices ? MANAGER : randomUUID(), contacts: { mobilePhones: [`+1 ${local}`], emails: [] } });
    batch.push({ d, e164: `+1${local}` });
  }
  await Promise.all(batch.map(({ d }) => stack.publish(d)));

  const notifier = await stack.startNotifier({
    NOTIFIER_SMS_PER_MINUTE: String(perMinute),
    NOTIFIER_CONCURRENCY: String(concurrency),
    NOTIFIER_MANAGER_NOTICES: String(notices),
    LOG_LEVEL: 'warn',
  });
  const started = Date.now();
  // Bounded: twice the ideal drain time plus a minute.
  const deadlineMs = (count / perMinute) * 60_000 * 2 + 60_000;
  const sms = await waitFor(async () => {
    const sent = await stack.outbox({ channel: 'sms' });
    return sent.length >= count ? sent : undefined;
  }, { timeoutMs: deadlineMs, intervalMs: 250, description: 'the backlog to drain' }).catch(async () => stack.outbox({ channel: 'sms' }));
  const drainMs = Date.now() - started;
  await notifier.stop();

  const byRecipient = new Map(sms.map((m) => [m.to, m]));
  let delivered = 0;
  let wrongSecret = 0;
  for (const { d, e164 } of batch) {
    const m = byRecipient.get(e164);
    if (m === undefined) continue;
    delivered += 1;
    if (tapIn(m.body) !== d.secret) wrongSecret += 1;
  }
  const deadLettered = (await stack.deadLetters()).length;
  const times = sms.map((m) => Date.parse(m.time)).sort((a, b) => a - b);
  const spanMs = (times.at(-1) ?? 0) - (times[0] ?? 0);
  const rate = spanMs > 0 ? ((times.length - 1) / spanMs) * 60_000 : 0;
  const result = {
    limitPerMinute: perMinute,
    deliveries: count,
    delivered,
    drops: count - delivered,
    duplicates: sms.length - byRecipient.size,
    wrongSecret,
    deadLettered,
    deliveredPerMinute: Number(rate.toFixed(1)),
    ratio: Number((rate / perMinute).toFixed(3)),
    drainSeconds: Number((drainMs / 1000).toFixed(1)),
    concurrency,
    managerNotices: notices,
  };
  process.stdout.write(`notifier bench: delivered/min ÷ limit = ${result.ratio} (target >= 0.95), drops = ${result.drops} (target 0)\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if ((!notices && result.ratio < 0.95) || result.drops > 0 || result.duplicates > 0 || result.wrongSecret > 0) process.exitCode = 1;
} finally {
  await stack.stop();
}
