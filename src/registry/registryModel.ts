import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { isMlflowError } from '../mlflow/errors';
import type { TrackingStore } from '../mlflow/store';
import type { ModelVersion, RegisteredModel } from '../mlflow/types';
import { sortVersionsNewestFirst } from './registryLabels';
import type { RegistryNode } from './registryNodes';
import { versionsFilter, versionsNamed } from './registryRules';

export interface RegistryViewOptions {
  /** Registered models per page ("Load more" fetches the next). */
  pageSize: number;
}

/** What the view's context keys reflect: set by the feature, read by package.json `when` clauses. */
export interface RegistryState {
  /** The store answered with no registered models at all (the welcome text explains what to do). */
  readonly empty: boolean;
  /** The server has legacy stages (Staging/Production/Archived). */
  readonly stages: boolean;
}

interface ModelVersions {
  versions?: ModelVersion[];
  /** Set while loading, so a second expand joins the request in flight. */
  loading?: Promise<void>;
  error?: unknown;
}

/** A registry has few models next to runs; this many pages of 1,000 names covers any real one. */
const MAX_NAME_PAGES = 20;
/** Versions come 10,000 to a page by default; a model with more is not browsed in a tree. */
const MAX_VERSION_PAGES = 10;

/**
 * Owns what the Models view shows: registered models, page by page, and per expanded model its
 * versions (one search-model-versions request, made on expand). The tree provider is a thin adapter
 * over this. After a write, `reloadModel` re-reads just the model written to.
 */
export class RegistryModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistryNode | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<RegistryState>();
  readonly onDidChangeState = this.stateChanged.event;

  private models: RegisteredModel[] | undefined;
  private nextPageToken: string | undefined;
  private modelsLoading: Promise<void> | undefined;
  private loadingMore: Promise<void> | undefined;
  private modelsError: unknown;
  private hasRegistry = true;
  private readonly versionsByModel = new Map<string, ModelVersions>();
  private currentState: RegistryState = { empty: false, stages: false };
  private generation = 0;
  private abort = new AbortController();

  constructor(
    private readonly activeStore: ActiveStore,
    private options: RegistryViewOptions,
  ) {}

  get store(): TrackingStore | undefined {
    return this.activeStore.current?.store;
  }

  get state(): RegistryState {
    return this.currentState;
  }

  get viewOptions(): RegistryViewOptions {
    return this.options;
  }

  setOptions(update: Partial<RegistryViewOptions>): void {
    this.options = { ...this.options, ...update };
    this.reset();
  }

  /** Drops everything loaded and cancels requests in flight; the view reloads what it shows. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.generation++;
    this.models = undefined;
    this.nextPageToken = undefined;
    this.modelsLoading = undefined;
    this.loadingMore = undefined;
    this.modelsError = undefined;
    this.hasRegistry = true;
    this.versionsByModel.clear();
    this.setState({ ...this.currentState, empty: false });
    this.changed.fire(undefined);
  }

  /** The registered models loaded so far, loading the first page on first use. Throws the load error. */
  async getModels(): Promise<{ models: readonly RegisteredModel[]; hasMore: boolean; hasRegistry: boolean }> {
    if (!this.models) {
      this.modelsLoading ??= this.loadPage();
      await this.modelsLoading;
    }
    if (this.modelsError) throw this.modelsError;
    return { models: this.models ?? [], hasMore: Boolean(this.nextPageToken), hasRegistry: this.hasRegistry };
  }

  /** Loads the next page of registered models ("Load more"). */
  async loadMore(): Promise<void> {
    if (!this.models || !this.nextPageToken) return;
    const generation = this.generation;
    this.loadingMore ??= this.loadPage().finally(() => {
      if (generation === this.generation) this.loadingMore = undefined;
    });
    await this.loadingMore;
    this.changed.fire(undefined);
  }

  private async loadPage(): Promise<void> {
    const store = this.store;
    const generation = this.generation;
    if (!store) return;
    const signal = this.abort.signal;
    try {
      const capabilities = await store.capabilities({ signal });
      if (!capabilities.registry) {
        if (generation !== this.generation) return;
        this.hasRegistry = false;
        this.models = [];
        return;
      }
      // No order_by: every backend sorts registered models by name, and requests stay those of MLflow's client.
      const page = await store.searchRegisteredModels({ maxResults: this.options.pageSize, pageToken: this.nextPageToken }, { signal });
      if (generation !== this.generation) return;
      this.models = [...(this.models ?? []), ...page.items];
      this.nextPageToken = page.nextPageToken;
      this.modelsError = undefined;
      this.setState({ empty: this.models.length === 0 && !this.nextPageToken, stages: capabilities.stages });
    } catch (error) {
      if (generation !== this.generation) return;
      this.models ??= [];
      this.modelsError = error;
    }
  }

  findModel(name: string): RegisteredModel | undefined {
    return this.models?.find((m) => m.name === name);
  }

  /** A model's versions, newest first, loaded on first expand. Throws the load error. */
  async getVersions(name: string): Promise<ModelVersion[]> {
    let entry = this.versionsByModel.get(name);
    if (!entry) {
      entry = {};
      this.versionsByModel.set(name, entry);
      entry.loading = this.loadVersions(name, entry);
    }
    if (entry.loading) await entry.loading;
    if (entry.error) throw entry.error;
    return entry.versions ?? [];
  }

  private async loadVersions(name: string, entry: ModelVersions): Promise<void> {
    const store = this.store;
    const generation = this.generation;
    try {
      if (!store) return;
      const all: ModelVersion[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_VERSION_PAGES; page++) {
        const result = await store.searchModelVersions({ filter: versionsFilter(name), pageToken }, { signal: this.abort.signal });
        all.push(...result.items);
        pageToken = result.nextPageToken;
        if (!pageToken) break;
      }
      if (generation !== this.generation) return;
      entry.versions = sortVersionsNewestFirst(versionsNamed(all, name));
      entry.error = undefined;
    } catch (error) {
      if (generation !== this.generation) return;
      entry.error = error;
    } finally {
      entry.loading = undefined;
    }
  }

  /**
   * Re-reads one registered model after a write (its aliases, tags, description, latest versions) and
   * its versions on next expand. A model not in the list (just created) reloads the whole list so it
   * appears in its place; a model that is gone is dropped.
   */
  async reloadModel(name: string): Promise<void> {
    const store = this.store;
    const generation = this.generation;
    const index = this.models?.findIndex((m) => m.name === name) ?? -1;
    if (!store || !this.models || index < 0) {
      this.reset();
      return;
    }
    this.versionsByModel.delete(name);
    try {
      const fresh = await store.getRegisteredModel(name, { signal: this.abort.signal });
      if (generation !== this.generation || !this.models) return;
      this.models = this.models.map((m) => (m.name === name ? fresh : m));
    } catch (error) {
      if (generation !== this.generation) return;
      if (!isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
        this.reset();
        return;
      }
      this.models = this.models.filter((m) => m.name !== name);
    }
    this.changed.fire(undefined);
  }

  /** Every registered model name, for the "Register Model" picker (all pages, unlike the view). */
  async modelNames(): Promise<string[]> {
    const store = this.store;
    if (!store) return [];
    if (this.models && !this.nextPageToken && !this.modelsError) return this.models.map((m) => m.name);
    const names: string[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_NAME_PAGES; page++) {
      const result = await store.searchRegisteredModels({ maxResults: 1000, pageToken }, { signal: this.abort.signal });
      names.push(...result.items.map((m) => m.name));
      pageToken = result.nextPageToken;
      if (!pageToken) break;
    }
    return names;
  }

  private setState(state: RegistryState): void {
    if (state.empty === this.currentState.empty && state.stages === this.currentState.stages) return;
    this.currentState = state;
    this.stateChanged.fire(state);
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}
