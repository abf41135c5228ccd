// @tapline/postprovision: azd's postprovision hook (see README.md). The surface here is for tests.
export { provisionEntra, customExtensionBody, INTAKE_APP_ROLE, GRAPH_APP_ID, CUSTOM_EXTENSION_NAME } from './provision.js';
export type { Grants, Outcome, ProvisionResult, Step } from './provision.js';
export { provisioningSettingsSchema } from './settings.js';
export type { ProvisioningSettings } from './settings.js';
export { provisioningGraphClient } from './graph-client.js';
export { manualSteps } from './manual-steps.js';
