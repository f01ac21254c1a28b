/**
 * A run's note is MLflow's `mlflow.note.content` tag: Markdown paragraphs, edited in an editor tab
 * (see runNotes.ts) and written back on save. These are the pure parts: what a save does to the tag,
 * and the editor's address for a run's note.
 */

export const NOTE_TAG = 'mlflow.note.content';
export const NOTE_SCHEME = 'mlflow-note';

export type NoteUpdate = { readonly kind: 'set'; readonly value: string } | { readonly kind: 'delete' } | { readonly kind: 'none' };

/**
 * What saving `edited` does, given the tag's value on the server now (undefined: no tag). A note
 * cleared down to whitespace deletes the tag, as MLflow's UI does, rather than leaving it empty.
 */
export function noteUpdate(current: string | undefined, edited: string): NoteUpdate {
  if (edited.trim() === '') return current === undefined ? { kind: 'none' } : { kind: 'delete' };
  return edited === current ? { kind: 'none' } : { kind: 'set', value: edited };
}

/** The path of a run's note document: the run id, then a file name that reads as the run's name. */
export function notePath(runId: string, runName: string): string {
  const name = runName.replace(/[\\/:*?"<>|\s\u0000-\u001f\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+/g, '_').slice(0, 80) || 'run';
  return `/${encodeURIComponent(runId)}/${name} note.md`;
}

/** The run id of a note document's path, or undefined when the path is not one notePath made. */
export function runIdOfNotePath(path: string): string | undefined {
  const match = /^\/([^/]+)\/[^/]+ note\.md$/.exec(path);
  if (!match) return undefined;
  try {
    const runId = decodeURIComponent(match[1]);
    return runId ? runId : undefined;
  } catch {
    return undefined;
  }
}
