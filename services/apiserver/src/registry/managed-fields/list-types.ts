// How server-side apply sees each field of a kind: which lists are maps keyed by some of their
// items' fields (`+listType=map` `+listMapKey=...`), which are sets of primitives (`+listType=set`),
// which values are atomic (owned and replaced whole). Derived from the strategic-merge table in
// @skiff/api (`patchMetaFor`), as Kubernetes' own tags agree: a `patchStrategy:"merge"` list with a
// `patchMergeKey` is a listType=map (keys: `listMapKeys`, else the merge key), one without a key is a
// set, every other list is atomic. Maps and structs are granular unless marked atomic.

import { patchMetaFor, type PatchMeta } from '@skiff/api';

export type ListType = 'atomic' | 'set' | 'map';

/** A list-map key field left out of an item takes its schema default (ports' protocol is TCP). */
export const LIST_MAP_KEY_DEFAULTS: Readonly<Record<string, string | number>> = { protocol: 'TCP' };

/** A position in a kind's schema; `undefined` meta means "no special treatment". */
export class SchemaNode {
  constructor(readonly meta: PatchMeta | undefined) {}

  static forKind(kind: string): SchemaNode {
    return new SchemaNode(patchMetaFor(kind));
  }

  /** The schema of an object's field. */
  field(name: string): SchemaNode {
    return new SchemaNode(this.meta?.fields?.[name]);
  }

  /** The schema of a list's items (or a map's values). */
  item(): SchemaNode {
    const meta = this.meta;
    if (!meta) return new SchemaNode(undefined);
    // patch-meta puts an item's field meta either in `items` or (for keyed lists) alongside.
    return new SchemaNode(meta.items ?? (meta.fields ? { fields: meta.fields } : undefined));
  }

  get atomic(): boolean {
    return this.meta?.atomic === true;
  }

  get listType(): ListType {
    const meta = this.meta;
    if (!meta?.strategy?.includes('merge') || meta.strategy === 'retainKeys') return 'atomic';
    return meta.mergeKey ? 'map' : 'set';
  }

  /** The key fields of a listType=map. */
  get listMapKeys(): readonly string[] {
    const meta = this.meta;
    return meta?.listMapKeys ?? (meta?.mergeKey ? [meta.mergeKey] : []);
  }
}
