// The benchmark's reference point, not a product: the least an enqueue-then-answer endpoint can do
// with the same parts as the intake. node:http, read the body, JSON.parse it, send it through the
// intake's own Service Bus sender (same SDK, same batching) with the stage instance id as message
// id, answer 202 once Service Bus has it. No token check, no contract, no log line, no Functions
// HttpRequest. Measured in the same run, it shows how much of the intake's latency on this machine
// is the platform (HTTP, the SDK, the emulator, two shared cores) and how much is the intake's own.
// Env: SERVICEBUS_CONNECTION_STRING, FLOOR_PORT. Prints `floor ready at <url>`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceBusRequestSender } from '../src/queue/servicebus-sender.js';

const connectionString = process.env.SERVICEBUS_CONNECTION_STRING;
if (connectionString === undefined) throw new Error('SERVICEBUS_CONNECTION_STRING is required');
const sender = createServiceBusRequestSender({ connectionString, queueName: 'tap-requests', budgetMs: 800 });
await sender.open();

const server = http.createServer((req, res) => {
  const answer = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let callout: { CustomExtensionStageInstanceId?: unknown; AccessPackageAssignmentRequestId?: unknown };
    try {
      callout = JSON.parse(text) as typeof callout;
    } catch {
      return answer(400, '{}');
    }
    const messageId = String(callout.CustomExtensionStageInstanceId);
    const requestId = String(callout.AccessPackageAssignmentRequestId);
    sender.send({ messageId, correlationId: requestId, body: text, applicationProperties: {} }).then(
      () => answer(202, JSON.stringify({ requestId, status: 'accepted' })),
      () => answer(503, '{}'),
    );
  });
});
server.listen(Number(process.env.FLOOR_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`floor ready at http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void sender.close().finally(() => process.exit(0));
});
