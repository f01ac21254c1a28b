/** The longest text a trace panel's page may ask to copy (a 200 KB input is far below it). */
const MAX_COPY_CHARS = 10_000_000;

/**
 * The `copy` message every trace panel's page sends (trace, Compare Traces, session conversation),
 * checked: text, and not more of it than a page could have shown.
 */
export function parseCopyMessage(raw: Record<string, unknown>): { type: 'copy'; text: string } | undefined {
  return typeof raw.text === 'string' && raw.text.length <= MAX_COPY_CHARS ? { type: 'copy', text: raw.text } : undefined;
}
