import type { ActiveStore } from '../connection/activeStore';
import type { TrackingStore } from '../mlflow/store';
import type { RegisteredModel } from '../mlflow/types';
import { PROMPT_FILTER, type PromptVersion, toPromptVersion } from './core/prompts';

/** Prompts read per page; MLflow's UI reads up to this many too. */
const PAGE_SIZE = 100;
/** Enough for any prompt registry a person browses; more pages are not followed. */
const MAX_PAGES = 10;

/**
 * The prompt registry of the active store, read through the registry API (prompts are registered
 * models with the prompt tag), cached until the connection changes or the view is refreshed.
 */
export class PromptsModel {
  private promptsPromise: Promise<RegisteredModel[]> | undefined;
  private readonly versions = new Map<string, Promise<PromptVersion[]>>();

  constructor(private readonly activeStore: ActiveStore) {}

  private get store(): TrackingStore | undefined {
    return this.activeStore.current?.store;
  }

  reset(): void {
    this.promptsPromise = undefined;
    this.versions.clear();
  }

  prompts(): Promise<RegisteredModel[]> {
    this.promptsPromise ??= this.loadPrompts().catch((error: unknown) => {
      this.promptsPromise = undefined;
      throw error;
    });
    return this.promptsPromise;
  }

  private async loadPrompts(): Promise<RegisteredModel[]> {
    const store = this.store;
    if (!store) return [];
    const capabilities = await store.capabilities();
    if (!capabilities.registry) return [];
    const prompts: RegisteredModel[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await store.searchRegisteredModels({ filter: PROMPT_FILTER, maxResults: PAGE_SIZE, pageToken });
      prompts.push(...result.items);
      pageToken = result.nextPageToken;
      if (!pageToken) break;
    }
    return prompts.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A prompt's versions, newest first. */
  versionsOf(prompt: RegisteredModel): Promise<PromptVersion[]> {
    let entry = this.versions.get(prompt.name);
    if (!entry) {
      entry = this.loadVersions(prompt).catch((error: unknown) => {
        this.versions.delete(prompt.name);
        throw error;
      });
      this.versions.set(prompt.name, entry);
    }
    return entry;
  }

  private async loadVersions(prompt: RegisteredModel): Promise<PromptVersion[]> {
    const store = this.store;
    if (!store) return [];
    const quoted = prompt.name.replace(/'/g, "\\'");
    const page = await store.searchModelVersions({ filter: `name='${quoted}' AND ${PROMPT_FILTER}`, maxResults: 1000 });
    return page.items
      .map((v) => toPromptVersion(v, prompt))
      .sort((a, b) => Number(b.version) - Number(a.version));
  }

  async version(name: string, version: string): Promise<PromptVersion> {
    const store = this.store;
    if (!store) throw new Error('Not connected to an MLflow tracking store.');
    const prompt = (await this.prompts()).find((p) => p.name === name);
    return toPromptVersion(await store.getModelVersion(name, version), prompt);
  }
}
