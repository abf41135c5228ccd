import { randomUUID } from 'node:crypto';
import type { Consumer, Entity } from '../queue/entity.js';
import type { StoredMessage } from '../queue/message.js';
import type { Queue } from '../queue/queue.js';
import { lockTokenToDeliveryTag } from './lock-token.js';
import type { Sender, SenderInternals } from './rhea.js';
import { encodeStored } from './wire-view.js';

interface Pending {
  id: number;
  token: string | undefined;
}

/**
 * A client's receiver link, seen from the broker. Tracks credit itself because rhea only counts
 * a transfer against credit when it writes it, on the next tick (pitfall 3), and answers every
 * drain request (pitfall 4).
 */
export class LinkConsumer implements Consumer {
  readonly receiveAndDelete: boolean;
  /** Deliveries handed to rhea but not yet written to the socket, oldest first. */
  private pending: Pending[] = [];
  private closed = false;
  private readonly link: SenderInternals;

  constructor(
    sender: Sender,
    readonly queue: Queue,
    readonly entity: Entity,
  ) {
    this.link = sender as unknown as SenderInternals;
    // snd-settle-mode "settled" is how the SDK asks for receive-and-delete.
    this.receiveAndDelete = this.link.local.attach.snd_settle_mode === 1;
    // rhea only echoes drain when credit is left over; if in-flight transfers used it up the SDK
    // never sees the echo and tears the link down after 200 ms. Always echo, consuming what is left.
    this.link._get_drain = function getDrain(this: SenderInternals): boolean {
      if (!this._draining || !this._drained) return false;
      this.delivery_count += this.credit;
      this.credit = 0;
      return true;
    };
  }

  capacity(): number {
    if (this.closed) return 0;
    const outgoing = this.link.session.outgoing;
    const written = outgoing.next_pending_delivery;
    let i = 0;
    while (i < this.pending.length && this.pending[i]!.id < written) i++;
    if (i > 0) this.pending = this.pending.slice(i);
    return Math.min(this.link.credit - this.pending.length, outgoing.available());
  }

  deliver(message: StoredMessage): void {
    const token = message.lock?.token;
    const tag = lockTokenToDeliveryTag(token ?? randomUUID());
    const delivery = (this.link as unknown as Sender).send(encodeStored(message, 'receive'), tag, 0) as unknown as { id: number };
    this.pending.push({ id: delivery.id, token });
  }

  /** The client asked for a drain: send what is available, then echo. */
  drain(): void {
    this.entity.dispatchTo(this);
    this.link.set_drained(true);
  }

  /** The link or its connection went away: messages locked but never written go back unharmed. */
  close(): void {
    if (this.closed) return;
    this.capacity();
    this.closed = true;
    this.entity.removeConsumer(this);
    for (const { token } of this.pending) {
      if (token) this.queue.returnUndelivered(this.entity, token);
    }
    this.pending = [];
    // Nothing more may go out on this link's handle.
    this.link.credit = 0;
  }
}
