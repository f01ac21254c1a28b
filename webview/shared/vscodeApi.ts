/** The API VS Code injects into a webview; callable once per page. */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface HostConnection<Out, State> {
  post(message: Out): void;
  /** Persisted by VS Code; after a window reload it is handed to the panel serializer. */
  saveState(state: State): void;
}

/**
 * Typed both ways: `Out` is what this app may post, `In` what the host sends. Host messages come from
 * this extension's own host code (the webview frame receives nothing else through this channel), so a
 * shape check on `type` is enough here; the host is the side that validates everything it receives.
 */
export function connectToHost<In extends { type: string }, Out, State>(onMessage: (message: In) => void): HostConnection<Out, State> {
  const api = acquireVsCodeApi();
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data;
    if (typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string') {
      onMessage(data as In);
    }
  });
  return {
    post: (message) => api.postMessage(message),
    saveState: (state) => api.setState(state),
  };
}
