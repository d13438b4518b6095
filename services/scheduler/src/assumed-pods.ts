// Pods the scheduler has placed but not yet seen bound through its pod informer, as
// kube-scheduler's cache "assumes" them: without this, two quick decisions could both take a node's
// last slot, because the first binding has not come back through the watch when the second pod is
// scheduled. An entry goes when the informer shows the pod bound (or deleted), or when the binding
// fails.

import { objectKey, type Pod } from '@skiff/api';

export class AssumedPods {
  private readonly pods = new Map<string, Readonly<Pod>>();

  /** Records `pod` as bound to `nodeName`; returns the assumed copy. */
  assume(pod: Readonly<Pod>, nodeName: string): Readonly<Pod> {
    const assumed: Readonly<Pod> = { ...pod, spec: { ...pod.spec, nodeName } };
    this.pods.set(objectKey(pod), assumed);
    return assumed;
  }

  /** Drops the entry (the informer has the truth now, or the binding failed). Returns whether there was one. */
  forget(key: string): boolean {
    return this.pods.delete(key);
  }

  has(key: string): boolean {
    return this.pods.has(key);
  }

  list(): Readonly<Pod>[] {
    return [...this.pods.values()];
  }

  clear(): void {
    this.pods.clear();
  }

  get size(): number {
    return this.pods.size;
  }
}
