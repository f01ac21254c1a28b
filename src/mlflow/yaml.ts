import type * as Yaml from 'yaml';

// Declared here rather than taken from @types/node: webview type checks reach this file through shared types.
declare const require: (id: string) => unknown;

let loaded: typeof Yaml | undefined;

/**
 * The `yaml` package, loaded on first use. It is a quarter of the extension bundle and activation reads
 * no YAML, so it is required here, inside a function: esbuild keeps it in the bundle but runs its module
 * code only when an MLproject, MLmodel or `meta.yaml` is first parsed.
 */
export function yaml(): typeof Yaml {
  loaded ??= require('yaml') as typeof Yaml;
  return loaded;
}
