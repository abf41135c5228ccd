import type { Connection, Message, Sender } from './rhea.js';

/**
 * Request/response links ($cbs, `<entity>/$management`): a request names its reply link in
 * `reply_to`, which matches the client receiver's link name (CBS) or target address
 * ($management). Replies are sent pre-settled.
 */
export class ReplyRoutes {
  private readonly routes = new WeakMap<Connection, Map<string, Sender>>();

  register(connection: Connection, sender: Sender): void {
    let byName = this.routes.get(connection);
    if (!byName) {
      byName = new Map();
      this.routes.set(connection, byName);
    }
    byName.set(sender.name, sender);
    const target = (sender.target as { address?: string } | undefined)?.address;
    if (target) byName.set(target, sender);
  }

  unregister(connection: Connection, sender: Sender): void {
    const byName = this.routes.get(connection);
    if (!byName) return;
    for (const [key, link] of byName) if (link === sender) byName.delete(key);
  }

  /** False when no reply link matches (the client gave up, or never attached one). */
  send(connection: Connection, replyTo: string | undefined, message: Message): boolean {
    const sender = replyTo ? this.routes.get(connection)?.get(replyTo) : undefined;
    if (!sender || !sender.is_open()) return false;
    const delivery = sender.send(message) as unknown as { settled: boolean };
    delivery.settled = true;
    return true;
  }
}
