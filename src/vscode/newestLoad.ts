/** What a load read, or why it failed. */
export type LoadOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A panel session's loads, of which only the newest counts: a refresh or a store switch starts a load
 * while the last may still be reading, and a panel closed mid-read takes nothing more. Free of VS Code.
 */
export class NewestLoad {
  private generation = 0;
  private disposed = false;

  /** What `read` gave or why it failed; undefined when a newer load started meanwhile or the session was disposed. */
  async run<T>(read: () => Promise<T>): Promise<LoadOutcome<T> | undefined> {
    const generation = ++this.generation;
    let outcome: LoadOutcome<T>;
    try {
      outcome = { ok: true, value: await read() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    return generation === this.generation && !this.disposed ? outcome : undefined;
  }

  /** No load finishes after this. */
  dispose(): void {
    this.disposed = true;
  }
}
