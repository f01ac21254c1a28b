import { isMlflowError } from '../../mlflow/errors';

/** One line for the panel: what failed, with the server's own message where it has one. */
export function describeMlflowError(error: unknown): string {
  if (isMlflowError(error)) {
    switch (error.errorCode) {
      case 'UNREACHABLE':
        return `Cannot reach the tracking server: ${error.message}`;
      case 'TIMEOUT':
        return 'The tracking server did not answer in time.';
      case 'UNAUTHENTICATED':
        return `The server needs credentials (401): ${error.message}`;
      case 'PERMISSION_DENIED':
        return `The server refused access (403): ${error.message}`;
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
