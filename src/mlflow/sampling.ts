import type { Metric, RunMetric } from './types';

/**
 * MLflow's get-history-bulk-interval sampling, done locally: for stores without the endpoint and for
 * the local backends. Same semantics as the server: steps are chosen over the union of the runs'
 * steps within [startStep, endStep], at most `maxResults` of them, always including the first and last.
 */
export function sampleHistories(
  histories: ReadonlyMap<string, readonly Metric[]>,
  window: { maxResults: number; startStep?: number; endStep?: number },
): RunMetric[] {
  void histories;
  void window;
  throw new Error('not implemented yet');
}
