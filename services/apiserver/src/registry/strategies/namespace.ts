// Namespaces (pkg/registry/core/namespace/strategy.go and storage/storage.go): DNS-1123 label
// names; created Active with the `kubernetes` finalizer in spec.finalizers; the first delete marks
// the namespace (deletionTimestamp, phase Terminating) and it stays until the namespace controller
// has emptied it and cleared spec.finalizers through the `finalize` subresource, the only way to
// change them. The built-in namespaces can never be deleted (NamespaceLifecycle admission).

import { type FieldError, isQualifiedName, type Namespace, RESOURCES } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { labelName, validateObjectMeta } from '../validation/meta.js';

/** Created by the apiserver at start; none of them may be deleted. */
export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The finalizer the namespace controller removes once the namespace is empty (FinalizerKubernetes). */
export const FINALIZER_KUBERNETES = 'kubernetes';

const PHASES = ['Active', 'Terminating'];

/** Sets spec.finalizers (dropping an empty spec), keeping the rest of spec. */
function setSpecFinalizers(ns: Namespace, finalizers: string[] | undefined): void {
  const { finalizers: _, ...rest } = ns.spec ?? {};
  const spec = finalizers === undefined ? rest : { ...rest, finalizers };
  if (Object.keys(spec).length > 0) ns.spec = spec;
  else delete ns.spec;
}

export const namespaceStrategy: Strategy<Namespace> = {
  info: RESOURCES.find((r) => r.resource === 'namespaces')!,
  schema: kindSchema({ spec: S.object({ finalizers: S.array(S.string) }), status: S.object({ phase: S.string }) }),
  nameValidator: labelName,
  tracksGeneration: false,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  applyDefaults(ns) {
    if (!ns.status?.phase) ns.status = { ...ns.status, phase: 'Active' };
  },
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_KUBERNETES)) setSpecFinalizers(ns, [...finalizers, FINALIZER_KUBERNETES]);
  },
  // spec.finalizers change only through the finalize subresource.
  prepareForUpdate(ns, old) {
    setSpecFinalizers(ns, old.spec?.finalizers);
  },
  updateSubresources: {
    finalize(ns, old) {
      const updated = structuredClone(old);
      setSpecFinalizers(updated, ns.spec?.finalizers);
      return updated;
    },
  },
  validate(ns) {
    const errs = validateObjectMeta(ns.metadata, false, labelName);
    (ns.spec?.finalizers ?? []).forEach((f, i) => {
      for (const m of isQualifiedName(f)) errs.push(fe.invalid(`spec.finalizers[${i}]`, f, m));
    });
    return errs;
  },
  validateUpdate: () => [],
  validateStatus(ns) {
    const phase = ns.status?.phase;
    const errs: FieldError[] = [];
    if (phase !== undefined && !PHASES.includes(phase)) errs.push(fe.notSupported('status.phase', phase, PHASES));
    else if (!ns.metadata.deletionTimestamp && phase !== 'Active') {
      errs.push(fe.invalid('status.phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
    } else if (ns.metadata.deletionTimestamp && phase !== 'Terminating') {
      errs.push(fe.invalid('status.phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
    }
    return errs;
  },
  selectableFields(ns) {
    return { 'status.phase': ns.status?.phase ?? '' };
  },
  markForDeletion(ns) {
    ns.status = { ...ns.status, phase: 'Terminating' };
  },
  specFinalizers: (ns) => ns.spec?.finalizers ?? [],
  deleteForbidden: (name) => (BOOTSTRAP_NAMESPACES.includes(name) ? 'this namespace may not be deleted' : undefined),
};
