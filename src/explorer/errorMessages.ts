import { isMlflowError } from '../mlflow/errors';

/**
 * One sentence for the tree (what happened) and the raw detail for the tooltip and the log. Notifications
 * that quote it go through src/vscode/notify.ts, which keeps server text from becoming command links.
 */
export function describeError(error: unknown): { message: string; detail?: string } {
  if (isMlflowError(error)) {
    switch (error.errorCode) {
      case 'UNREACHABLE':
        return { message: 'Cannot reach the tracking server.', detail: error.message };
      case 'TIMEOUT':
        return { message: 'The tracking server did not answer in time.', detail: error.message };
      case 'UNAUTHENTICATED':
        return { message: 'The server needs credentials (401).', detail: error.message };
      case 'PERMISSION_DENIED':
        return { message: 'The server refused access (403).', detail: error.message };
      case 'BAD_RESPONSE':
        return { message: 'The server sent a response that is not MLflow JSON.', detail: error.message };
      case 'SERVER_ERROR':
        return { message: `The server failed (${error.status ?? '5xx'}).`, detail: error.message };
      case 'STORE_BUSY':
        return { message: 'The store is being written; retry in a moment.', detail: error.message };
      case 'CANCELLED':
        return { message: 'Cancelled.' };
      case 'INVALID_PARAMETER_VALUE':
        return { message: `Invalid: ${error.message}`, detail: error.message };
      default:
        return { message: error.message, detail: `${error.errorCode}${error.status ? ` (HTTP ${error.status})` : ''}` };
    }
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
