// Azure Functions entry (package.json "main"): the project runs TypeScript through tsx, with no
// build step, so the host loads this shim, which loads src/functions.ts.
import { register } from 'tsx/esm/api';

register();
await import('./src/functions.ts');
