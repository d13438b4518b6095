// core/v1 Events (pkg/registry/core/event): no spec or status; the involved object's namespace
// must agree with the event's.

import { RESOURCES, type Event, type FieldError } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema, objectReferenceSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, nonNegative } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';

const TYPES = ['Normal', 'Warning'];

const schema = kindSchema({
  involvedObject: objectReferenceSchema,
  reason: S.string,
  message: S.string,
  type: S.string,
  source: S.object({ component: S.string, host: S.string }),
  firstTimestamp: S.string,
  lastTimestamp: S.string,
  count: S.integer,
  reportingComponent: S.string,
  reportingInstance: S.string,
  // The events.k8s.io/v1 fields, stored as core/v1 Event keeps them.
  eventTime: S.string,
  series: S.object({ count: S.integer, lastObservedTime: S.string }),
  action: S.string,
  related: objectReferenceSchema,
}, { required: ['metadata', 'involvedObject'] });

export const eventStrategy: Strategy<Event> = {
  info: RESOURCES.find((r) => r.resource === 'events')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  applyDefaults() {},
  prepareForCreate() {},
  validate(ev) {
    const errs: FieldError[] = validateObjectMeta(ev.metadata, true, subdomainName);
    const io = ev.involvedObject;
    if (!io) errs.push(fe.required('involvedObject'));
    else {
      const ns = ev.metadata.namespace ?? '';
      const ok = io.namespace ? io.namespace === ns : ns === '' || ns === 'default';
      if (!ok) errs.push(fe.invalid('involvedObject.namespace', io.namespace ?? '', 'does not match event.namespace'));
    }
    if (ev.type !== undefined && !TYPES.includes(ev.type)) errs.push(fe.notSupported('type', ev.type, TYPES));
    errs.push(...nonNegative('count', ev.count));
    return errs;
  },
  validateUpdate: () => [],
  validateStatus: () => [],
  selectableFields(ev) {
    const io = ev.involvedObject ?? {};
    return {
      'involvedObject.kind': io.kind ?? '',
      'involvedObject.namespace': io.namespace ?? '',
      'involvedObject.name': io.name ?? '',
      'involvedObject.uid': io.uid ?? '',
      'involvedObject.apiVersion': io.apiVersion ?? '',
      'involvedObject.resourceVersion': io.resourceVersion ?? '',
      'involvedObject.fieldPath': io.fieldPath ?? '',
      reason: ev.reason ?? '',
      reportingComponent: ev.reportingComponent ?? '',
      source: ev.source?.component ?? '',
      type: ev.type ?? '',
    };
  },
};
