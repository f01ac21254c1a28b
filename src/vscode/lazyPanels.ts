import type * as Panels from './panels';

// Declared here so the require below is a plain call the bundler can point elsewhere (scripts/build.mjs).
declare const require: (id: string) => unknown;

let panels: typeof Panels | undefined;

/**
 * The webview panels, loaded when the first one opens. In the built extension `./panels` is a file of its own
 * beside extension.js (scripts/build.mjs keeps this require out of the main bundle); from source it is the module.
 */
export function loadPanels(): typeof Panels {
  panels ??= require('./panels') as typeof Panels;
  return panels;
}
