/**
 * The `default` of a switch over a panel's webview messages: the compiler proves it unreachable (every
 * message type handled), and a message that still gets there at run time fails loudly. Free of VS Code.
 */
export function unhandledMessage(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}
