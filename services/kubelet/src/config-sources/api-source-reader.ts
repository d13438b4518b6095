// ConfigMaps and Secrets read straight from the API (no cache), with the NotFound message the
// kubelet gives: `configmap "x" not found`. The ConfigSourceManager falls back to it before its
// watch has synced; the PodSyncer uses it when it runs without a manager (tests).

import { errors, isApiError, type ConfigMap, type KubeObject, type Secret } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { ConfigSourceReader } from '../pod/container-env.js';
import type { SourceRef, SourceResource } from './references.js';

/** The singular name Kubernetes' kubelet uses in its NotFound messages. */
const SINGULAR: Record<SourceResource, string> = { configmaps: 'configmap', secrets: 'secret' };

export function sourceNotFound(ref: SourceRef): Error {
  return errors.notFound(SINGULAR[ref.resource], ref.name);
}

export async function readSource<T extends KubeObject>(api: Pick<ApiClient, 'get'>, ref: SourceRef): Promise<Readonly<T>> {
  try {
    return await api.get<T>(ref.resource, ref.namespace, ref.name);
  } catch (e) {
    if (isApiError(e, 'NotFound')) throw sourceNotFound(ref);
    throw e;
  }
}

export class ApiSourceReader implements ConfigSourceReader {
  constructor(private readonly api: Pick<ApiClient, 'get'>) {}

  getConfigMap(namespace: string, name: string): Promise<Readonly<ConfigMap>> {
    return readSource<ConfigMap>(this.api, { resource: 'configmaps', namespace, name });
  }

  getSecret(namespace: string, name: string): Promise<Readonly<Secret>> {
    return readSource<Secret>(this.api, { resource: 'secrets', namespace, name });
  }
}
