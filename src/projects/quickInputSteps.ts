import * as vscode from 'vscode';

/**
 * One step of a multi-step quick input (title, "2/9", a Back button after the first), resolved by
 * what the user did. Every step disposes its widget before resolving, so the next can open at once.
 */
export interface StepFrame {
  readonly title: string;
  /** 1-based. */
  readonly step: number;
  readonly totalSteps: number;
}

export interface StepButton extends vscode.QuickInputButton {
  readonly id: string;
}

export type InputStepResult =
  | { kind: 'accept'; value: string }
  | { kind: 'button'; id: string; value: string }
  | { kind: 'back' }
  | { kind: 'cancel' };

export interface InputStepOptions {
  prompt: string;
  value: string;
  placeholder?: string;
  /** Shown while typing; Enter does nothing while it returns a message. */
  validate?: (value: string) => string | undefined;
  buttons?: readonly StepButton[];
}

export function showInputStep(frame: StepFrame, options: InputStepOptions): Promise<InputStepResult> {
  const input = vscode.window.createInputBox();
  applyFrame(input, frame, options.buttons ?? []);
  input.prompt = options.prompt;
  input.value = options.value;
  input.placeholder = options.placeholder;
  input.validationMessage = options.validate?.(options.value);
  return new Promise((resolve) => {
    const listeners: vscode.Disposable[] = [];
    let done = false;
    const finish = (result: InputStepResult): void => {
      if (done) return;
      done = true;
      for (const listener of listeners) listener.dispose();
      input.dispose();
      resolve(result);
    };
    listeners.push(
      input.onDidChangeValue((value) => (input.validationMessage = options.validate?.(value))),
      input.onDidAccept(() => {
        const problem = options.validate?.(input.value);
        if (problem) {
          input.validationMessage = problem;
          return;
        }
        finish({ kind: 'accept', value: input.value });
      }),
      input.onDidTriggerButton((button) => {
        if (button === vscode.QuickInputButtons.Back) finish({ kind: 'back' });
        else finish({ kind: 'button', id: (button as StepButton).id, value: input.value });
      }),
      input.onDidHide(() => finish({ kind: 'cancel' })),
    );
    input.show();
  });
}

export type PickStepResult<T> = { kind: 'accept'; item: T } | { kind: 'back' } | { kind: 'cancel' };

export interface PickStepOptions<T extends vscode.QuickPickItem> {
  placeholder: string;
  /** A promise shows the step at once, busy until the items are there. */
  items: readonly T[] | Promise<readonly T[]>;
  /** The item to start on; the first one otherwise. */
  active?: (item: T) => boolean;
  /** Items to show for what has been typed (e.g. "New experiment 'x'"), recomputed on every keystroke. */
  itemsForValue?: (value: string, items: readonly T[]) => readonly T[];
}

export async function showPickStep<T extends vscode.QuickPickItem>(frame: StepFrame, options: PickStepOptions<T>): Promise<PickStepResult<T>> {
  const pick = vscode.window.createQuickPick<T>();
  applyFrame(pick, frame, []);
  pick.placeholder = options.placeholder;
  pick.matchOnDescription = true;
  let base: readonly T[] = [];
  const setItems = (items: readonly T[]): void => {
    pick.items = items;
    const active = options.active ? items.find(options.active) : undefined;
    if (active) pick.activeItems = [active];
  };
  return new Promise((resolve) => {
    const listeners: vscode.Disposable[] = [];
    let done = false;
    const finish = (result: PickStepResult<T>): void => {
      if (done) return;
      done = true;
      for (const listener of listeners) listener.dispose();
      pick.dispose();
      resolve(result);
    };
    listeners.push(
      pick.onDidAccept(() => {
        const item = pick.selectedItems[0] ?? pick.activeItems[0];
        // Enter while the items are still loading selects nothing yet.
        if (item) finish({ kind: 'accept', item });
      }),
      pick.onDidTriggerButton((button) => {
        if (button === vscode.QuickInputButtons.Back) finish({ kind: 'back' });
      }),
      pick.onDidHide(() => finish({ kind: 'cancel' })),
    );
    if (options.itemsForValue) {
      const itemsForValue = options.itemsForValue;
      listeners.push(pick.onDidChangeValue((value) => (pick.items = itemsForValue(value, base))));
    }
    // Given items arrive a microtask later too, which keeps one code path.
    pick.busy = true;
    void Promise.resolve(options.items).then((items) => {
      if (done) return;
      base = items;
      pick.busy = false;
      setItems(options.itemsForValue ? options.itemsForValue(pick.value, base) : base);
    });
    pick.show();
  });
}

function applyFrame(input: vscode.QuickInput & { buttons: readonly vscode.QuickInputButton[] }, frame: StepFrame, buttons: readonly StepButton[]): void {
  input.title = frame.title;
  input.step = frame.step;
  input.totalSteps = frame.totalSteps;
  // Staying open when focus moves away lets the user look something up in the editor mid-way.
  input.ignoreFocusOut = true;
  input.buttons = [...(frame.step > 1 ? [vscode.QuickInputButtons.Back] : []), ...buttons];
}
