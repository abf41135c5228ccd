import { randomInt } from 'node:crypto';

/**
 * The alphabet TAP secrets are drawn from (README "TAP secrets"): ambiguous characters (I, O,
 * l, o, 0, 1) are left out, and every secret holds at least one of each class so a redactor can
 * recognise the shape. Real Entra TAPs use a similar mix; the exact alphabet is a best guess.
 */
export const tapAlphabet = {
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  lower: 'abcdefghijkmnpqrstuvwxyz',
  digits: '23456789',
  symbols: '!#$%&*+=?@',
} as const;

export function generateTapSecret(length: number): string {
  if (!Number.isInteger(length) || length < 8 || length > 48) throw new RangeError('TAP length must be 8..48');
  const classes = Object.values(tapAlphabet);
  const all = classes.join('');
  const chars = classes.map((c) => pick(c));
  while (chars.length < length) chars.push(pick(all));
  // Fisher-Yates so the guaranteed characters do not sit at fixed positions.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(from: string): string {
  return from[randomInt(from.length)]!;
}
