// Shared by the registry's unit tests: a Registry over MemoryStorage with the bootstrap namespaces,
// and small object builders.

import { isApiError, type ApiError, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import assert from 'node:assert/strict';
import { MemoryStorage } from '../storage/memory-storage.js';
import { Registry, type RegistryOptions } from './registry.js';

export async function newTestRegistry(opts: RegistryOptions = {}): Promise<{ registry: Registry; storage: MemoryStorage; close(): Promise<void> }> {
  const storage = new MemoryStorage();
  const registry = new Registry(storage, opts);
  registry.start();
  await registry.bootstrap();
  return {
    registry,
    storage,
    close: async () => {
      await registry.stop();
      await storage.close();
    },
  };
}

export function pod(name: string, extra: Partial<Pod['spec']> = {}, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], ...extra },
  };
}

export function replicaSet(name: string, replicas?: number): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(replicas !== undefined ? { replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] } },
    },
  };
}

/** The ReplicaSet's spec as a Deployment. */
export function deployment(name: string, replicas?: number): Deployment {
  const { metadata, spec } = replicaSet(name, replicas);
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec };
}

/** The "field: message" of each cause of an Invalid error. */
export function causes(e: { details: { causes?: { field: string; message: string }[] } }): string[] {
  return (e.details.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

/** Asserts that `promise` rejects with an ApiError of `reason` whose message matches `message`. */
export async function rejectsWith(promise: Promise<unknown>, reason: ApiError['reason'], message?: string | RegExp): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isApiError(e), `expected an ApiError, got ${String(e)}`);
    assert.equal(e.reason, reason, `reason of "${e.message}"`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${reason}, but the call succeeded`);
}
