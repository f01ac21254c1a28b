import type * as OnDemand from './onDemand';

// Declared here so the require below is a plain call the bundler can point elsewhere (scripts/build.mjs).
declare const require: (id: string) => unknown;

let onDemand: typeof OnDemand | undefined;

/**
 * The Run wizard and the artifact download, loaded when a command first starts one. In the built extension
 * `./onDemand` is a file of its own beside extension.js (scripts/build.mjs); from source it is the module.
 */
export function loadOnDemand(): typeof OnDemand {
  onDemand ??= require('./onDemand') as typeof OnDemand;
  return onDemand;
}
