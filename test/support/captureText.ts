import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Trace } from '../../src/mlflow/traceTypes';
import { parseJsonLossless, toSpan } from '../../src/mlflow/spanValues';
import { toTraceInfo } from '../../src/mlflow/traceValues';

/**
 * The `response` of a capture file as the server wrote it: its JSON text cut out of the capture, not
 * re-serialised, so integers past 2^53 (span times) keep their digits. Undefined when the capture has
 * no JSON response.
 */
export function captureResponseText(file: string): string | undefined {
  const text = readFileSync(file, 'utf8');
  const key = '"response":';
  const start = text.indexOf(key);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start + key.length; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(start + key.length, i + 1).trim();
    }
  }
  return undefined;
}

const GENAI_CAPTURES = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-captures');

/** A trace from a GenAI capture of traces/get (`name` without `.json`), decoded as the stores decode it. */
export function capturedTrace(name: string): Trace {
  const response = (parseJsonLossless(readFileSync(path.join(GENAI_CAPTURES, `${name}.json`), 'utf8')) as { response: { trace: { trace_info: unknown; spans: unknown[] } } }).response.trace;
  const info = toTraceInfo(response.trace_info);
  return { info, spans: response.spans.map((s) => toSpan(s, info.traceId)) };
}
