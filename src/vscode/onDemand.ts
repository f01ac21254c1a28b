/**
 * The entry of dist/onDemand.js (scripts/build.mjs): flows only a command starts, which activation does not
 * need: the Run wizard and the artifact download. Reached only through {@link loadOnDemand} in ./lazyOnDemand.
 */
export { downloadWithProgress } from '../artifacts/downloadCommand';
export { askRunSpec } from '../projects/runWizard';
