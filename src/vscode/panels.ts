/**
 * The entry of dist/panels.js (scripts/build.mjs): every webview panel (charts, compare, evaluation, serve, trace, trace compare) and the session behind it, which
 * activation does not need. Reached only through {@link loadPanels} in ./lazyPanels.
 */
export { ChartsPanel } from '../charts/chartsPanel';
export { ComparePanel } from '../charts/comparePanel';
export { EvaluationPanel } from '../evaluations/evaluationPanel';
export { ServePanel } from '../modelServing/servePanel';
export { TraceComparePanel } from '../traces/traceComparePanel';
export { TracePanel } from '../traces/tracePanel';
export { SessionConversationPanel } from '../traces/sessionConversationPanel';
