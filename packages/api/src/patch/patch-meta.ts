// How strategic merge patch treats each field of the kinds Skiff serves: which lists merge by a
// key, which are sets of primitives, which maps clear the keys a patch does not retain. Kubernetes
// reads this from struct tags (`patchStrategy:"merge" patchMergeKey:"name"`) in
// staging/src/k8s.io/api/*/types.go; this table carries the same tags for the fields Skiff supports.
// Every list not named here is atomic: a patch replaces it whole.

export interface PatchMeta {
  /** `merge`: a list merged by `mergeKey` (or a set of primitives); `retainKeys`: a map union. */
  readonly strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys';
  readonly mergeKey?: string;
  /** The meta of an object's fields. */
  readonly fields?: Readonly<Record<string, PatchMeta>>;
  /** The meta of a list's items or a map's values. */
  readonly items?: PatchMeta;
  /**
   * Server-side apply only (`+listMapKey`): the keys of a merged list when they are more than its
   * strategic-merge `mergeKey` (container ports are keyed by containerPort and protocol).
   */
  readonly listMapKeys?: readonly string[];
  /** Server-side apply only (`+structType=atomic` / `+mapType=atomic`): owned and replaced whole. */
  readonly atomic?: boolean;
}

const obj = (fields: Record<string, PatchMeta>): PatchMeta => ({ fields });
const mergeList = (mergeKey: string, items?: PatchMeta): PatchMeta => ({ strategy: 'merge', mergeKey, ...(items ? { items } : {}) });
const primitiveSet: PatchMeta = { strategy: 'merge' };
const conditions = mergeList('type');
/** metav1.LabelSelector (`+structType=atomic`), Service.spec.selector (`+mapType=atomic`). */
const atomic: PatchMeta = { atomic: true };

const objectMeta = obj({ finalizers: primitiveSet, ownerReferences: mergeList('uid') });

const container = obj({
  ports: { ...mergeList('containerPort'), listMapKeys: ['containerPort', 'protocol'] },
  env: mergeList('name'),
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
});

const podSpec = obj({
  volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  initContainers: mergeList('name', container),
  containers: mergeList('name', container),
  ephemeralContainers: mergeList('name', container),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip'),
  topologySpreadConstraints: mergeList('topologyKey'),
});

const podTemplate = obj({ metadata: objectMeta, spec: podSpec });
const workloadStatus = obj({ conditions });

const KIND_META: Readonly<Record<string, PatchMeta>> = {
  Pod: obj({ metadata: objectMeta, spec: podSpec, status: obj({ conditions, podIPs: mergeList('ip') }) }),
  ReplicaSet: obj({ metadata: objectMeta, spec: obj({ selector: atomic, template: podTemplate }), status: workloadStatus }),
  Deployment: obj({
    metadata: objectMeta,
    spec: obj({ selector: atomic, template: podTemplate, strategy: { strategy: 'retainKeys' } }),
    status: workloadStatus,
  }),
  Node: obj({
    metadata: objectMeta,
    spec: obj({ podCIDRs: primitiveSet }),
    status: obj({ conditions, addresses: mergeList('type') }),
  }),
  Namespace: obj({ metadata: objectMeta, status: obj({ conditions }) }),
  Service: obj({
    metadata: objectMeta,
    spec: obj({ ports: { ...mergeList('port'), listMapKeys: ['port', 'protocol'] }, selector: atomic }),
    status: obj({ conditions }),
  }),
  PodDisruptionBudget: obj({ metadata: objectMeta, status: obj({ conditions }) }),
};

/** The patch meta of a kind; kinds without special fields still merge their metadata by Kubernetes' rules. */
export function patchMetaFor(kind: string): PatchMeta {
  return KIND_META[kind] ?? obj({ metadata: objectMeta });
}
