import type { CallOptions, ModelVersion, Page, RegisteredModel, RegistryQuery } from '../types';
import { ReadOnlyWrites } from './readOnlyWrites';
import {
  type RegistryBackend,
  type RegistryEntries,
  modelVersionByAliasOrThrow,
  modelVersionOrThrow,
  registeredModelOrThrow,
  searchModelVersionsIn,
  searchRegisteredModelsIn,
} from './registryQuery';

/** A local store's registry as read from disk, with MLflow's download location per `name\0version`. */
export interface LocalRegistry extends RegistryEntries {
  downloadUris: Map<string, string>;
}

/**
 * The model-registry reads both local stores share: each reads its registry its own way (SQLite tables,
 * `models/` folders) and answers every registry query from that one snapshot.
 */
export abstract class LocalRegistryReads extends ReadOnlyWrites {
  protected abstract registry(options?: CallOptions): Promise<LocalRegistry>;
  /** Whose registry rules this store follows (MLflow's SQL store or its FileStore). */
  protected abstract readonly registryBackend: RegistryBackend;

  async searchRegisteredModels(query: RegistryQuery, options?: CallOptions): Promise<Page<RegisteredModel>> {
    return searchRegisteredModelsIn((await this.registry(options)).models, query, this.registryBackend);
  }

  async getRegisteredModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    return registeredModelOrThrow(await this.registry(options), name);
  }

  async searchModelVersions(query: RegistryQuery, options?: CallOptions): Promise<Page<ModelVersion>> {
    return searchModelVersionsIn((await this.registry(options)).versions, query);
  }

  async getModelVersion(name: string, version: string, options?: CallOptions): Promise<ModelVersion> {
    return modelVersionOrThrow(await this.registry(options), name, version);
  }

  async getModelVersionDownloadUri(name: string, version: string, options?: CallOptions): Promise<string> {
    const registry = await this.registry(options);
    const mv = modelVersionOrThrow(registry, name, version);
    return registry.downloadUris.get(`${mv.name}\u0000${mv.version}`) ?? mv.source;
  }

  async getModelVersionByAlias(name: string, alias: string, options?: CallOptions): Promise<ModelVersion> {
    return modelVersionByAliasOrThrow(await this.registry(options), name, alias);
  }
}
