// `set image`: which containers of a pod spec get which image (kubectl's set_image.go setImage):
// by container name (init containers too), `*` for every container.

import type { PodSpec } from '@skiff/api';

export interface SetImagesResult {
  /** The pod spec with the new images (a copy). */
  spec: PodSpec;
  changed: boolean;
  /** Container names that match no container. */
  missing: string[];
}

export function setImages(spec: Readonly<PodSpec>, images: ReadonlyMap<string, string>): SetImagesResult {
  const out = structuredClone(spec) as PodSpec;
  let changed = false;
  const missing: string[] = [];
  for (const [name, image] of images) {
    let found = false;
    for (const list of [out.initContainers ?? [], out.containers]) {
      for (const c of list) {
        if (c.name !== name && name !== '*') continue;
        found = true;
        if (c.image !== image) {
          c.image = image;
          changed = true;
        }
      }
    }
    if (!found) missing.push(name);
  }
  return { spec: out, changed, missing };
}
