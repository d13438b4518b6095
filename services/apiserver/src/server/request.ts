// Decoding the JSON text and options that gRPC requests carry.

import { errors } from '@skiff/api';
import type { DeleteOptions, PropagationPolicy } from '../registry/delete-plan.js';
import { fe } from '../registry/validation/field-errors.js';

export interface ResourceRef {
  resource: string;
  namespace: string;
  name: string;
  subresource: string;
}

export function refOf(req: { ref?: Partial<ResourceRef> | null }): ResourceRef {
  const r = req.ref ?? {};
  return { resource: r.resource ?? '', namespace: r.namespace ?? '', name: r.name ?? '', subresource: r.subresource ?? '' };
}

/** Parses request JSON; malformed text is a BadRequest that says where it broke. */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') throw errors.badRequest(`the ${what} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw errors.badRequest(`the ${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const POLICIES: PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

/** The options of a delete; an unknown propagationPolicy is Invalid (422), as ValidateDeleteOptions makes it. */
export function deleteOptionsOf(req: {
  propagation_policy?: string;
  grace_period_seconds?: number;
  precondition_uid?: string;
  precondition_resource_version?: string;
}): DeleteOptions {
  const opts: DeleteOptions = {};
  const policy = req.propagation_policy ?? '';
  if (policy !== '') {
    if (!POLICIES.includes(policy as PropagationPolicy)) {
      throw errors.invalid('DeleteOptions.meta.k8s.io', '', [fe.notSupported('propagationPolicy', policy, [...POLICIES, 'nil'])]);
    }
    opts.propagationPolicy = policy as PropagationPolicy;
  }
  const grace = Number(req.grace_period_seconds ?? -1);
  if (grace >= 0) opts.gracePeriodSeconds = grace;
  const uid = req.precondition_uid ?? '';
  const rv = req.precondition_resource_version ?? '';
  if (uid || rv) opts.preconditions = { ...(uid ? { uid } : {}), ...(rv ? { resourceVersion: rv } : {}) };
  return opts;
}
