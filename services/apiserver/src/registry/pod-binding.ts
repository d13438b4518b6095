// The pods/binding subresource (pkg/registry/core/pod/storage/storage.go assignPod): sets
// spec.nodeName once and the PodScheduled condition.

import { type Binding, type Condition, errors, type FieldError, isDNS1123Subdomain, nowRFC3339, type Pod } from '@skiff/api';
import type { ResourceStore } from './resource-store.js';
import { fe } from './validation/field-errors.js';

function parseBinding(body: unknown, name: string): Binding {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the binding must be a JSON object');
  const b = body as Partial<Binding>;
  if (b.kind !== undefined && b.kind !== 'Binding') throw errors.badRequest(`the kind in the data ("${b.kind}") does not match the expected kind ("Binding")`);
  const errs: FieldError[] = [];
  if (b.metadata?.name && b.metadata.name !== name) errs.push(fe.invalid('metadata.name', b.metadata.name, `must match the pod name "${name}"`));
  const target = b.target;
  if (!target?.name) errs.push(fe.required('target.name'));
  else for (const m of isDNS1123Subdomain(target.name)) errs.push(fe.invalid('target.name', target.name, m));
  if (target?.kind && target.kind !== 'Node') errs.push(fe.notSupported('target.kind', target.kind, ['Node']));
  if (errs.length > 0) throw errors.invalid('Binding', name, errs);
  return b as Binding;
}

export async function bindPod(pods: ResourceStore, namespace: string, name: string, body: unknown, now = () => new Date()): Promise<Pod> {
  const binding = parseBinding(body, name);
  const node = binding.target.name;
  const preUid = binding.metadata?.uid;
  const updated = await pods.guaranteedUpdate(namespace, name, (obj) => {
    const pod = obj as Pod;
    if (preUid && preUid !== pod.metadata.uid) {
      throw errors.conflict('pods/binding', name, `Precondition failed: UID in precondition: ${preUid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
    }
    if (pod.metadata.deletionTimestamp) throw errors.conflict('pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (pod.spec.nodeName) throw errors.conflict('pods/binding', name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec.nodeName = node;
    pod.status ??= {};
    const conditions = (pod.status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    const scheduled: Condition = { type: 'PodScheduled', status: 'True', lastTransitionTime: nowRFC3339(now()) };
    pod.status.conditions = [...conditions, scheduled];
    return pod;
  });
  return updated as Pod;
}
