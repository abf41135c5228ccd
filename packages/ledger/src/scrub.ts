// Free-text fields (lastError, reason details, audit detail) are the only place a secret could
// slip into the ledger, since no record type has a field for a TAP, a phone number or an email.
// They pass through this scrubber, which redacts by value shape, and are capped in length.

// Ids and timestamps are what makes an error useful on-call; they are kept verbatim.
const keep = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/gi;

const redact: readonly RegExp[] = [
  /bearer\s+[\w\-.~+/]+=*/gi, // bearer tokens
  /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, // JWTs without the Bearer prefix
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // email addresses
  /\+?\d[\d\s()-]{6,}\d/g, // phone numbers, E.164 or Graph's "+1 5555551234" (not dotted IPs)
  // TAP-like secrets and keys: 10+ characters mixing letters with digits or symbols, no spaces.
  /(?=[^\s"',;]*[A-Za-z])(?=[^\s"',;]*[\d!#$%&*@^~=+?])[^\s"',;]{10,}/g,
];

export const MAX_FREE_TEXT = 1024;

export function scrubText(text: string, max = MAX_FREE_TEXT): string {
  const kept: string[] = [];
  let out = text.replace(keep, (m) => `\u0000${kept.push(m) - 1}\u0000`);
  for (const p of redact) out = out.replace(p, (m) => (m.includes('\u0000') ? m : '[redacted]'));
  out = out.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)] ?? '');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
