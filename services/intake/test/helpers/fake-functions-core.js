// Preloaded with `node --import` before the Functions entry: stands in for the host's
// `@azure/functions-core` (reference toolchain section 3), records every registerFunction call and
// prints them as one JSON line when the entry has finished loading. Plain JS: it must run before
// tsx is registered.
import Module from 'node:module';

const registrations = [];
const fakeCore = {
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata, handler) {
    registrations.push({ metadata, handlerType: typeof handler });
    return { dispose() {} };
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === '@azure/functions-core' ? fakeCore : load.call(this, request, ...rest);
};

process.once('beforeExit', () => {
  process.stdout.write(`REGISTRATIONS ${JSON.stringify(registrations)}\n`);
});
