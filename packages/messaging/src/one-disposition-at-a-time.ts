// rhea 3.0.5 (under @azure/service-bus 7.9.5) merges two different dispositions that are pending
// in the same tick into one frame carrying the first outcome (servicebus-wire.md, pitfall 10): a
// concurrent complete + abandon completes both, and the abandoned message is lost, against real
// Azure too. The workspace patch of rhea fixes the client; this wrapper makes the consumer safe
// without relying on it: its dispositions go out one at a time, each awaiting the broker's reply.
// Cost: one loopback round trip per settlement (well under the services' Graph and ACS budgets).

import type { SettlingReceiver } from './settle.js';

export function oneDispositionAtATime(receiver: SettlingReceiver): SettlingReceiver {
  let tail: Promise<unknown> = Promise.resolve();
  const run = <T>(op: () => Promise<T>): Promise<T> => {
    const result = tail.then(op);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    completeMessage: (m) => run(() => receiver.completeMessage(m)),
    abandonMessage: (m, props) => run(() => receiver.abandonMessage(m, props)),
    deadLetterMessage: (m, options) => run(() => receiver.deadLetterMessage(m, options)),
  };
}
