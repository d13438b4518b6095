// What a controller is still waiting to see after it created or deleted pods, after Kubernetes'
// ControllerExpectations and UIDTrackingControllerExpectations (pkg/controller/controller_utils.go).
//
// A controller that creates N pods must not act again on the same owner until its informer has
// seen those N pods (or the expectations expire): otherwise a slow informer makes it create the
// same pods twice. Deletions are tracked by pod key, so each one is observed exactly once, whether
// the informer sees the deletionTimestamp being set or the pod disappearing.

import type { Clock } from '@skiff/machinery';

/** Kubernetes' ExpectationsTimeout: after this, a controller acts even if events were missed. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** Pod keys whose deletion we still wait to observe. */
  deleting: Set<string>;
  setAt: number;
}

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS,
  ) {}

  /** True when the controller may act on `key`: nothing pending, all observed, or expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true; // a new owner, or one whose expectations were cleared
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock.now() - e.setAt > this.timeoutMs;
  }

  /** Ms until unsatisfied expectations for `key` expire (undefined if satisfied). */
  msUntilExpiry(key: string): number | undefined {
    if (this.satisfied(key)) return undefined;
    const e = this.byKey.get(key);
    return e ? Math.max(0, e.setAt + this.timeoutMs - this.clock.now()) + 1 : undefined;
  }

  expectCreations(key: string, n: number): void {
    this.byKey.set(key, { add: n, del: 0, deleting: new Set(), setAt: this.clock.now() });
  }

  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.byKey.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), setAt: this.clock.now() });
  }

  /** The informer saw a pod this owner created (or a create we will never see: it failed). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add -= 1;
  }

  /**
   * The informer saw a pod of this owner go away (or start terminating), or our delete failed.
   * Counted once per pod key, and only for pods we asked to delete.
   */
  deletionObserved(key: string, podKey: string): void {
    const e = this.byKey.get(key);
    if (e && e.deleting.delete(podKey)) e.del -= 1;
  }

  /** Forget the owner (it was deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** For tests and logs: what is still expected. */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.byKey.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}
