import * as vscode from 'vscode';
import { describeError } from '../explorer/errorMessages';
import { Disposer } from '../vscode/disposer';
import { showError } from '../vscode/notify';
import { BesideCodeCommand, besideCodeEnabled } from './besideCodeCommands';
import type * as Providers from './besideCodeProviders';
import type { BesideCodeDependencies, BesideCodeProviders } from './besideCodeProviders';

// Declared here so the require below is a plain call the bundler can point elsewhere (scripts/build.mjs).
declare const require: (id: string) => unknown;

const PYTHON: vscode.DocumentSelector = { language: 'python', scheme: 'file' };

/**
 * Runs beside the code: while a Python file that imports mlflow is visible, a first-line CodeLens with
 * its runs (count, age, the primary metric and its change), inlay hints with the latest logged value
 * beside each `log_metric` / `log_param` key, and hovers with the last runs' values.
 *
 * Activation registers only these thin providers and commands. What they show is made by
 * {@link BesideCodeProviders}, loaded (dist/besideCode.js in the built extension, see scripts/build.mjs) the
 * first time VS Code asks about a Python file while the feature is on and a store is connected, or when one
 * of its commands runs.
 */
export class BesideCodeFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly changed = new vscode.EventEmitter<void>();
  private loaded: BesideCodeProviders | undefined;

  constructor(private readonly deps: BesideCodeDependencies) {
    const track = <T extends { dispose(): unknown }>(item: T): T => this.disposer.track(item);
    track(this.changed);
    track(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('mlflow.besideCode.enabled')) this.changed.fire();
    }));
    // Once loaded, the providers' own model says when a store switch changed what they show.
    track(deps.activeStore.onDidChange(() => {
      if (!this.loaded) this.changed.fire();
    }));

    track(vscode.languages.registerCodeLensProvider(PYTHON, {
      onDidChangeCodeLenses: this.changed.event,
      provideCodeLenses: async (document) => (this.active() ? this.providers.codeLenses(document) : []),
    }));
    track(vscode.languages.registerInlayHintsProvider(PYTHON, {
      onDidChangeInlayHints: this.changed.event,
      provideInlayHints: async (document, range) => (this.active() ? this.providers.inlayHints(document, range) : []),
    }));
    track(vscode.languages.registerHoverProvider(PYTHON, {
      provideHover: async (document, position) => (this.active() ? this.providers.hover(document, position) : undefined),
    }));

    const register = (id: string, handler: (...args: never[]) => Promise<unknown>) =>
      track(vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          await handler(...args);
        } catch (error) {
          deps.log.error(`${id} failed`, error);
          void showError(`MLflow: ${describeError(error).message}`);
        }
      }));
    register(BesideCodeCommand.showRuns, (uri?: vscode.Uri) => this.providers.showRuns(uri));
    register(BesideCodeCommand.chartRuns, (uri?: vscode.Uri) => this.providers.chartRuns(uri));
    register(BesideCodeCommand.compareLastTwo, (uri?: vscode.Uri) => this.providers.compareLastTwo(uri));
    register(BesideCodeCommand.chartMetric, async (runIds?: unknown, key?: unknown) => this.providers.chartMetric(runIds, key));
  }

  /** Whether there is anything to show: the feature on and a store connected (else nothing is loaded). */
  private active(): boolean {
    return besideCodeEnabled() && this.deps.activeStore.current !== undefined;
  }

  /** The providers' implementation, loaded and made on first use. */
  private get providers(): BesideCodeProviders {
    if (!this.loaded) {
      const { BesideCodeProviders } = require('./besideCodeProviders') as typeof Providers;
      this.loaded = this.disposer.track(new BesideCodeProviders(this.deps));
      this.disposer.track(this.loaded.onDidChange(() => this.changed.fire()));
    }
    return this.loaded;
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
