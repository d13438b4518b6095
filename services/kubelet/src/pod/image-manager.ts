// Makes sure a container's image is present, without ever letting the engine pull on its own.
// Without a registry a missing image is ErrImageNeverPull, with Kubernetes' message. With
// `--registry HOST:PORT` the kubelet pulls `HOST:PORT/<image>` once, and after a failed pull
// reports ErrImagePull, then ImagePullBackOff until its back-off window passes.

import type { Clock } from '@skiff/machinery';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { Backoff } from './backoff.js';

export type ImageResult = { ok: true; ref: string } | { ok: false; reason: 'ErrImageNeverPull' | 'ErrImagePull' | 'ImagePullBackOff'; message: string };

/** True when the first path component names a registry host (`host:port/x`, `a.b/x`, `localhost/x`). */
function hasRegistryHost(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

export class ImageManager {
  private readonly pullBackoff: Backoff;
  private readonly lastFailure = new Map<string, number>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: Clock,
    private readonly registry?: string,
  ) {
    this.pullBackoff = new Backoff(clock);
  }

  async ensure(image: string): Promise<ImageResult> {
    if ((await this.runtime.imageId(image)) !== undefined) return { ok: true, ref: image };
    if (!this.registry) {
      return { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
    }
    const ref = hasRegistryHost(image) ? image : `${this.registry}/${image}`;
    if ((await this.runtime.imageId(ref)) !== undefined) return { ok: true, ref };
    const failedAt = this.lastFailure.get(ref);
    if (failedAt !== undefined && this.pullBackoff.inBackOffSince(ref, failedAt)) {
      return { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${ref}"` };
    }
    try {
      await this.runtime.pullImage(ref);
      this.lastFailure.delete(ref);
      return { ok: true, ref };
    } catch (e) {
      const now = this.clock.now();
      this.pullBackoff.next(ref, now);
      this.lastFailure.set(ref, now);
      return { ok: false, reason: 'ErrImagePull', message: `Failed to pull image "${ref}": ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
