import { createHash, randomUUID } from 'node:crypto';

/** What the simulator keeps of a TAP: never the secret itself, only its SHA-256. */
export interface TapRecord {
  id: string;
  userId: string;
  sha256: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  /** Set by `POST /_sim/users/{id}/tap/redeem` for one-time passes. */
  used: boolean;
}

export type TapUsability = { isUsable: boolean; methodUsabilityReason: 'EnabledByPolicy' | 'DisabledByPolicy' | 'Expired' | 'NotYetValid' | 'OneTimeUsed' };

/** One TAP per user: `put` silently replaces the previous one, as Graph does. */
export class TapStore {
  private readonly byUser = new Map<string, TapRecord>();

  put(userId: string, secret: string, opts: { start: Date; lifetimeInMinutes: number; isUsableOnce: boolean; now: Date }): TapRecord {
    const record: TapRecord = {
      id: randomUUID(),
      userId,
      sha256: createHash('sha256').update(secret, 'utf8').digest('hex'),
      createdDateTime: opts.now.toISOString(),
      startDateTime: opts.start.toISOString(),
      lifetimeInMinutes: opts.lifetimeInMinutes,
      isUsableOnce: opts.isUsableOnce,
      used: false,
    };
    this.byUser.set(userId, record);
    return record;
  }

  get(userId: string): TapRecord | undefined {
    return this.byUser.get(userId);
  }

  delete(userId: string, id: string): boolean {
    const current = this.byUser.get(userId);
    if (!current || current.id !== id) return false;
    this.byUser.delete(userId);
    return true;
  }

  clear(): void {
    this.byUser.clear();
  }
}

export function usability(tap: TapRecord, policyEnabled: boolean, now: Date): TapUsability {
  const start = Date.parse(tap.startDateTime);
  const end = start + tap.lifetimeInMinutes * 60_000;
  if (!policyEnabled) return { isUsable: false, methodUsabilityReason: 'DisabledByPolicy' };
  if (tap.used) return { isUsable: false, methodUsabilityReason: 'OneTimeUsed' };
  if (now.getTime() < start) return { isUsable: false, methodUsabilityReason: 'NotYetValid' };
  if (now.getTime() >= end) return { isUsable: false, methodUsabilityReason: 'Expired' };
  return { isUsable: true, methodUsabilityReason: 'EnabledByPolicy' };
}
