/**
 * The narrow slice of rhea the broker relies on, typed. rhea's own typings do not cover its codec
 * classes or the server-side internals listed below, and those internals are private: rhea is
 * pinned exactly (3.0.5) in package.json and every workaround here is covered by the SDK suite
 * (reference/servicebus-wire.md, pitfall 17).
 */
import rhea from 'rhea';
import type { Connection, Delivery, EventContext, Message, Receiver, Sender, Session } from 'rhea';

export { rhea };
export type { Connection, Delivery, EventContext, Message, Receiver, Sender, Session };

export interface TypedValue {
  type: { typecode: number; name: string };
  value: unknown;
  descriptor?: TypedValue;
}

interface AmqpReader {
  read(): TypedValue;
  remaining(): number;
}

interface AmqpWriter {
  write(value: TypedValue): void;
  toBuffer(): Buffer;
}

interface AmqpTypes {
  Reader: new (buffer: Buffer) => AmqpReader;
  Writer: new () => AmqpWriter;
  Map32(items: TypedValue[]): TypedValue;
  List32(items: TypedValue[]): TypedValue;
  described(descriptor: TypedValue, value: TypedValue): TypedValue;
  wrap(value: unknown): TypedValue;
  wrap_ulong(value: number): TypedValue;
  wrap_long(value: number): TypedValue;
  wrap_int(value: number): TypedValue;
  wrap_uint(value: number): TypedValue;
  wrap_string(value: string): TypedValue;
  wrap_symbol(value: string): TypedValue;
  wrap_uuid(value: Buffer): TypedValue;
  wrap_binary(value: Buffer): TypedValue;
  wrap_timestamp(value: number): TypedValue;
  wrap_boolean(value: boolean): TypedValue;
  wrap_array(items: unknown[], typecode: number, descriptor?: unknown): TypedValue;
  unwrap(value: TypedValue): unknown;
}

export const amqpTypes = rhea.types as unknown as AmqpTypes;

/** rhea's decoder for complete messages, saved before the broker's raw-mode wrapper replaces it. */
export const decodeMessage = rhea.message.decode.bind(rhea.message) as unknown as (buffer: Buffer) => Message;

/** Outcome constructors (`accepted`, `rejected`, ...), each returning a described composite. */
export const outcomes = rhea.message as unknown as Record<
  'accepted' | 'rejected' | 'released' | 'modified',
  (fields?: Record<string, unknown>) => { described(): unknown }
>;

/** Private fields of a rhea sending link that the broker reads or overrides. */
export interface SenderInternals {
  credit: number;
  delivery_count: number;
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
  set_drained(drained: boolean): void;
  local: { attach: Record<string, unknown> };
  session: Session & { outgoing: { next_pending_delivery: number; available(): number } };
}

/** Private fields of a rhea delivery. */
export interface DeliveryInternals {
  id: number;
  settled: boolean;
  remote_settled: boolean;
  remote_state?: { constructor: { composite_type?: string } } & Record<string, unknown>;
}
