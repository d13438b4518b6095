// The writes a workload controller makes to pods, behind one small interface (Kubernetes'
// PodControlInterface): the real one goes through the API client, the fake records what it was
// asked to do so tests can check the controller's decisions without an apiserver.

import { randomUUID } from 'node:crypto';
import { clone, errors, nowRFC3339, type OwnerReference, type Pod, type PodTemplateSpec } from '@skiff/api';
import type { ApiClient } from '@skiff/client';

export interface PodControl {
  /** Creates a pod from the template, named `<owner>-<random>`, controlled by `owner`. */
  createPod(namespace: string, template: Readonly<PodTemplateSpec>, owner: Readonly<OwnerReference>): Promise<Pod>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** JSON merge patch. */
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
}

/** Kubernetes' utilrand alphabet: no vowels (no words), no 0/1/3 (no look-alikes). */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return s;
}

/** The pod a controller creates from its template (Kubernetes' GetPodFromTemplate). */
export function podFromTemplate(namespace: string, template: Readonly<PodTemplateSpec>, owner: Readonly<OwnerReference>): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.name}-`,
      namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [{ ...owner }],
    },
    spec: clone(template.spec) as Pod['spec'],
  };
  if (meta.annotations && Object.keys(meta.annotations).length > 0) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers && meta.finalizers.length > 0) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

export class ApiPodControl implements PodControl {
  constructor(private readonly client: Pick<ApiClient, 'create' | 'delete' | 'patch'>) {}

  createPod(namespace: string, template: Readonly<PodTemplateSpec>, owner: Readonly<OwnerReference>): Promise<Pod> {
    return this.client.create<Pod>('pods', podFromTemplate(namespace, template, owner));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.client.delete('pods', namespace, name);
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    await this.client.patch('pods', namespace, name, patch);
  }
}

export type PodControlCall =
  | { op: 'create'; namespace: string; pod: Pod }
  | { op: 'delete'; namespace: string; name: string }
  | { op: 'patch'; namespace: string; name: string; patch: unknown };

/** Records every call; `failCreate`/`failDelete`/`failPatch` inject errors. */
export class FakePodControl implements PodControl {
  readonly calls: PodControlCall[] = [];
  failCreate: ((pod: Pod) => Error | undefined) | undefined;
  failDelete: ((name: string) => Error | undefined) | undefined;
  failPatch: ((name: string) => Error | undefined) | undefined;

  createPod(namespace: string, template: Readonly<PodTemplateSpec>, owner: Readonly<OwnerReference>): Promise<Pod> {
    const pod = podFromTemplate(namespace, template, owner);
    const err = this.failCreate?.(pod);
    if (err) return Promise.reject(err);
    pod.metadata.name = `${pod.metadata.generateName ?? ''}${randomSuffix()}`;
    delete pod.metadata.generateName;
    pod.metadata.uid = randomUUID();
    pod.metadata.creationTimestamp = nowRFC3339();
    this.calls.push({ op: 'create', namespace, pod });
    return Promise.resolve(pod);
  }

  deletePod(namespace: string, name: string): Promise<void> {
    const err = this.failDelete?.(name);
    if (err) return Promise.reject(err);
    this.calls.push({ op: 'delete', namespace, name });
    return Promise.resolve();
  }

  patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    const err = this.failPatch?.(name);
    if (err) return Promise.reject(err);
    this.calls.push({ op: 'patch', namespace, name, patch });
    return Promise.resolve();
  }

  created(): Pod[] {
    return this.calls.flatMap((c) => (c.op === 'create' ? [c.pod] : []));
  }
  deleted(): string[] {
    return this.calls.flatMap((c) => (c.op === 'delete' ? [c.name] : []));
  }
  patched(): { name: string; patch: unknown }[] {
    return this.calls.flatMap((c) => (c.op === 'patch' ? [{ name: c.name, patch: c.patch }] : []));
  }
}

/** For tests: the error a missing pod answers. */
export function podNotFound(name: string): Error {
  return errors.notFound('pods', name);
}
