/**
 * The script's arguments as the user types them once ("--epochs 5 --name 'my run'"), split into argv
 * elements the way a POSIX shell splits words, but with nothing else a shell does: no variables, no
 * globs, no command substitution. The process is started with the resulting array, never a shell.
 */

export type SplitResult = { ok: true; args: string[] } | { ok: false; message: string };

/**
 * Words are separated by whitespace; '…' keeps everything literally; "…" keeps everything but `\"`
 * and `\\`; outside quotes a backslash keeps the next character. `$(id)` stays the text `$(id)`.
 */
export function splitArgs(text: string): SplitResult {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, message: `The quote opened at character ${i + 1} is not closed.` };
      current += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        current += text[j];
      }
      if (j >= text.length) return { ok: false, message: `The quote opened at character ${i + 1} is not closed.` };
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) current += text[++i];
    } else {
      current += c;
    }
  }
  if (inWord) args.push(current);
  return { ok: true, args };
}

/** The arguments as they would be typed again (prefills the box; shown in the terminal header). */
export function joinArgs(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
