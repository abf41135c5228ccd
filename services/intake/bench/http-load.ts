// A lean HTTP/1.1 load client for the benchmark: keep-alive connections opened before a phase,
// one request in flight per connection (no pipelining), requests serialised before the clock
// starts. It measures what node:http's client does (write the request, read the whole answer),
// at about a third of its CPU per request: the client shares these two cores with the intake and
// the emulator, and every millisecond it spends is one the system under test does not get. The
// relay that calls the intake in Azure runs elsewhere.
import net from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export interface Connection {
  /** Writes one request and resolves with the whole answer (Content-Length framing only). */
  send(request: Buffer): Promise<Answer>;
  close(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
/** An answer from the intake is a few hundred bytes; anything far bigger is a broken peer. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One POST as bytes on the wire. */
export function postRequest(url: URL, headers: Readonly<Record<string, string>>, body: string): Buffer {
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, '', body);
  return Buffer.from(lines.join('\r\n'));
}

export function connect(url: URL, timeoutMs = 10_000): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(new Error(`connecting to ${url.host} took over ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(connection(socket));
    });
  });
}

function connection(socket: net.Socket): Connection {
  let pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;
  let received: Buffer[] = [];
  let receivedBytes = 0;
  let failure: Error | undefined;

  const fail = (error: Error) => {
    failure ??= error;
    pending?.reject(failure);
    pending = undefined;
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the server closed the connection')));
  socket.on('data', (chunk: Buffer) => {
    if (pending === undefined) return fail(new Error('data arrived with no request in flight'));
    received.push(chunk);
    receivedBytes += chunk.byteLength;
    const data = received.length === 1 ? chunk : Buffer.concat(received, receivedBytes);
    received = [data];
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) {
      if (receivedBytes > MAX_ANSWER_BYTES) fail(new Error('answer headers too large'));
      return;
    }
    const head = data.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
    if (length === undefined) return fail(new Error(`answer without Content-Length: ${head.split('\r\n')[0] ?? ''}`));
    const end = headerEnd + HEADER_END.length + Number(length);
    if (data.byteLength < end) return;
    if (data.byteLength > end) return fail(new Error('bytes after the answer (the server sent more than one)'));
    const status = Number(head.slice(9, 12));
    const body = data.toString('utf8', headerEnd + HEADER_END.length, end);
    const done = pending;
    pending = undefined;
    received = [];
    receivedBytes = 0;
    if (/\r\nconnection:[ \t]*close/i.test(head)) socket.end();
    done.resolve({ status, body });
  });

  return {
    send(request) {
      if (failure !== undefined) return Promise.reject(failure);
      if (pending !== undefined) return Promise.reject(new Error('a request is already in flight on this connection'));
      return new Promise<Answer>((resolve, reject) => {
        pending = { resolve, reject };
        socket.write(request);
      });
    },
    close() {
      socket.destroy();
    },
  };
}
