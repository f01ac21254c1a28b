import type * as SpanValues from './spanValues';

// Declared here so the require below is a plain call the bundler can point elsewhere (scripts/build.mjs).
declare const require: (id: string) => unknown;

let spanValues: typeof SpanValues | undefined;

/**
 * Span decoding (./spanValues), loaded when the REST store first reads a trace's spans: activation and
 * the Traces view's list do not need it. In the built extension `./spanValues` is a file of its own
 * beside extension.js (scripts/build.mjs); from source it is the module.
 */
export function loadSpanValues(): typeof SpanValues {
  spanValues ??= require('./spanValues') as typeof SpanValues;
  return spanValues;
}
