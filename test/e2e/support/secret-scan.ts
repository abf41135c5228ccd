// The secret scan of DESIGN section 6: every artifact an end-to-end run leaves (every file in the
// stack's data dir: process logs, stack.json, keys, broker journal and table files when persistent;
// every ledger row; every dead-lettered message of both queues) is searched for the TAPs the run
// issued and the contacts of its targets. The only place allowed to hold them is the ACS outbox
// (the simulated phones and inboxes), so outbox.jsonl is the one file not scanned.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StackInfo } from '@tapline/local-stack';
import { peekDeadLetters } from './dead-letters.js';
import { dumpTables } from './ledger.js';

export interface Needle {
  readonly kind: 'tap' | 'phone' | 'mail';
  readonly value: string;
}

export interface Finding {
  readonly kind: Needle['kind'];
  readonly where: string;
  /** The needle, masked: a test failure message must not leak it either. */
  readonly needle: string;
}

export interface ScanReport {
  readonly findings: Finding[];
  readonly scanned: { readonly files: string[]; readonly bytes: number; readonly ledgerRows: number; readonly deadLetters: number };
}

const OUTBOX_FILE = 'outbox.jsonl';
const MAX_FILE_BYTES = 256 * 1024 * 1024;

const mask = (value: string) => `${value.slice(0, 2)}${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-2)}`;

function filesUnder(dir: string, depth = 0): string[] {
  if (depth > 8) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full, depth + 1);
    return entry.isFile() && entry.name !== OUTBOX_FILE ? [full] : [];
  });
}

/** Phone numbers as a log line could spell them: Graph's `+1 4255550110`, E.164, and the national digits. */
export function phoneForms(graphFormat: string): string[] {
  const withoutExtension = graphFormat.replace(/x\d+$/i, '');
  const e164 = withoutExtension.replace(/[^\d+]/g, '');
  const national = withoutExtension.split(' ').slice(1).join('').replace(/\D/g, '');
  return [...new Set([withoutExtension, e164, national].filter((f) => f.replace(/\D/g, '').length >= 7))];
}

export async function scanForSecrets(info: StackInfo, dataDir: string, needles: readonly Needle[]): Promise<ScanReport> {
  const findings: Finding[] = [];
  const search = (where: string, text: string) => {
    for (const needle of needles) {
      if (needle.value !== '' && text.includes(needle.value)) findings.push({ kind: needle.kind, where, needle: mask(needle.value) });
    }
  };

  const files = filesUnder(dataDir);
  let bytes = 0;
  for (const file of files) {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) throw new Error(`${file} is ${size} bytes: too big to scan`);
    const content = readFileSync(file);
    bytes += content.length;
    // latin1 keeps every byte as one character, so a secret inside binary data is still found.
    search(path.relative(dataDir, file), content.toString('latin1'));
  }

  const rows = await dumpTables(info.tables.connectionString);
  for (const row of rows) search(`ledger table ${row.table}`, JSON.stringify(row.entity));

  const { requests, deliveries } = info.serviceBus.queues;
  const letters = await peekDeadLetters(info.serviceBus.connectionString, [requests, deliveries]);
  for (const letter of letters) {
    const body = Buffer.isBuffer(letter.body) ? letter.body.toString('latin1') : JSON.stringify(letter.body);
    search(`dead letter on ${letter.queue} (${letter.reason ?? 'no reason'})`, [letter.reason ?? '', letter.description ?? '', body, JSON.stringify(letter.applicationProperties)].join('\n'));
  }

  return { findings, scanned: { files: files.map((f) => path.relative(dataDir, f)), bytes, ledgerRows: rows.length, deadLetters: letters.length } };
}
