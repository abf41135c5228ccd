// The Azure Functions entry (package.json `main` loads it through functions.js). The host imports
// it once per worker process; each `app.http` call registers one row of the route table.
import { app } from '@azure/functions';
import { startTelemetry } from '@tapline/observability';
import { main } from './main.js';
import type { Intake } from './main.js';

export function registerFunctions(intake: Intake): void {
  for (const route of intake.routes) {
    app.http(route.name, {
      methods: [...route.methods],
      route: route.route,
      authLevel: route.authLevel,
      handler: route.handler,
    });
  }
}

// Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set (the Function app's setting).
await startTelemetry({ serviceName: 'tapline-intake', edge: true, azureSdk: false });
const intake = main();
registerFunctions(intake);
// The host loads this module once per worker; connect while it finishes starting, so the first
// invocation does not pay for the AMQP connection (warmUp logs, never throws).
void intake.warmUp();
