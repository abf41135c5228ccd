/** What `/_sim/calls` shows of one request: never a secret, never a token. */
export interface CallRecord {
  at: string;
  kind: 'graph' | 'identity';
  method: string;
  /** Path and query as received. */
  path: string;
  /** Route template, e.g. "POST /users/{user}/authentication/temporaryAccessPassMethods". */
  route: string | null;
  status: number;
  appId: string | null;
  requestId: string;
  clientRequestId: string | null;
  durationMs: number;
  resourceUnits: number | null;
  errorCode: string | null;
  faultId: string | null;
  /** The JSON request body with secret-bearing keys masked. */
  requestBody: unknown;
}

const maskedKeys = new Set(['temporaryaccesspass', 'password', 'client_secret', 'clientsecret', 'access_token', 'phonenumber', 'authorization']);

/** Deep copy with the values of secret-bearing keys replaced. */
export function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskedKeys.has(k.toLowerCase()) && v !== null ? '***' : mask(v)]));
  }
  return value;
}

/** A bounded ring of recent calls. */
export class CallLog {
  private records: CallRecord[] = [];

  constructor(private readonly capacity = 2000) {}

  add(record: CallRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }

  list(): readonly CallRecord[] {
    return this.records;
  }

  clear(): void {
    this.records = [];
  }
}
