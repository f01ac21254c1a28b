/**
 * Text from a tracking server (error messages, artifact and model names) on its way into a
 * notification. VS Code turns `[label](command:…)` (and `https:` / `file:` targets) in a notification's
 * message into a link, and a command link runs its command, arguments included, when clicked: a server
 * could plant a one-click action in an error message. A zero-width space between `]` and `(` keeps the
 * text reading as sent while no link is made. Tree items and Markdown tooltips (appendText, untrusted)
 * never make links, so only notification messages need this.
 *
 * No `vscode` import: the explorer's pure error descriptions use it too.
 */
export function notificationSafe(text: string): string {
  return text.replace(/\]\(/g, ']\u200B(');
}
