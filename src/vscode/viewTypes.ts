/**
 * The webview panel types, apart from the panels themselves: activation registers a serializer for each,
 * while the panels live in dist/panels.js, loaded when the first one opens (scripts/build.mjs).
 */
export const CHARTS_VIEW_TYPE = 'mlflow.charts';
export const COMPARE_VIEW_TYPE = 'mlflow.compare';
export const TRACE_VIEW_TYPE = 'mlflow.trace';
export const EVALUATION_VIEW_TYPE = 'mlflow.evaluation';
export const SERVE_VIEW_TYPE = 'mlflow.serveModel';
export const TRACE_COMPARE_VIEW_TYPE = 'mlflow.traceCompare';
export const SESSION_CONVERSATION_VIEW_TYPE = 'mlflow.traceSession';
