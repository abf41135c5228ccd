// GET /api/health: liveness for the local stack and Azure's health probes. It answers from this
// process alone (no broker or JWKS round trip) and reveals no configuration or secret.
import type { HttpHandler } from '@azure/functions';

export function createHealthHandler(): HttpHandler {
  return () => ({
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ status: 'ok', service: 'intake' }),
  });
}
