// The schema of the parts every kind shares: metadata, conditions, label selectors.

import { S, type Schema } from './schema.js';

export const objectMetaSchema: Schema = S.object({
  name: S.string,
  generateName: S.string,
  namespace: S.string,
  uid: S.string,
  resourceVersion: S.string,
  generation: S.integer,
  creationTimestamp: S.string,
  deletionTimestamp: S.string,
  deletionGracePeriodSeconds: S.integer,
  labels: S.map(S.string),
  annotations: S.map(S.string),
  ownerReferences: S.array(
    S.object(
      { apiVersion: S.string, kind: S.string, name: S.string, uid: S.string, controller: S.boolean, blockOwnerDeletion: S.boolean },
      { required: ['apiVersion', 'kind', 'name', 'uid'] },
    ),
  ),
  finalizers: S.array(S.string),
  managedFields: S.array(
    S.object({
      manager: S.string,
      operation: S.string,
      apiVersion: S.string,
      time: S.string,
      fieldsType: S.string,
      fieldsV1: { type: 'any' },
      subresource: S.string,
    }),
  ),
});

/** core/v1 ObjectReference: Event.involvedObject and .related, endpoints' targetRef. */
export const objectReferenceSchema: Schema = S.object({
  kind: S.string,
  namespace: S.string,
  name: S.string,
  uid: S.string,
  apiVersion: S.string,
  resourceVersion: S.string,
  fieldPath: S.string,
});

/** The fields of a metav1-style condition; kinds with more (DeploymentCondition) extend them. */
export const conditionFields: Readonly<Record<string, Schema>> = {
  type: S.string,
  status: S.string,
  reason: S.string,
  message: S.string,
  lastTransitionTime: S.string,
  lastHeartbeatTime: S.string,
  lastProbeTime: S.string,
};

/** The fields every condition kind requires (metav1.Condition requires more; Skiff shares one schema). */
export const CONDITION_REQUIRED: readonly string[] = ['type', 'status'];

export const conditionSchema: Schema = S.object({ ...conditionFields }, { required: CONDITION_REQUIRED });

export const labelSelectorSchema: Schema = S.object({
  matchLabels: S.map(S.string),
  matchExpressions: S.array(S.object({ key: S.string, operator: S.string, values: S.array(S.string) }, { required: ['key', 'operator'] })),
});

export const resourceListSchema: Schema = S.map(S.quantity);

/** A top-level object schema: apiVersion, kind, metadata plus the kind's own fields. */
export function kindSchema(fields: Record<string, Schema>, opts?: { required?: readonly string[] }): Schema {
  return S.object({ apiVersion: S.string, kind: S.string, metadata: objectMetaSchema, ...fields }, opts);
}
