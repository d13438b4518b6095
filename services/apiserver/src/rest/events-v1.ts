// events.k8s.io/v1 Event: a second view of the core/v1 Events the registry stores under `events`,
// as Kubernetes serves it (pkg/registry/events/rest: the core event storage behind a second
// group-version, converted by pkg/apis/events/v1/conversion.go). Nothing is stored twice: reads
// convert core → events.k8s.io on the way out, writes convert back on the way in.
//
//   core/v1                      events.k8s.io/v1
//   message                      note
//   involvedObject               regarding
//   source                       deprecatedSource
//   firstTimestamp / lastTimestamp / count
//                                deprecatedFirstTimestamp / deprecatedLastTimestamp / deprecatedCount
//   reportingComponent           reportingController (out: source.component when absent)
//   reportingInstance, eventTime, series, action, reason, type, related: the same names
//
// Field selectors use the events.k8s.io labels and are converted to the core ones the registry
// selects on (Kubernetes' field label conversion for events.k8s.io/v1: regarding.* →
// involvedObject.*, reportingController → reportingComponent; reason, type, source and
// metadata.name/namespace as they are; core spellings such as involvedObject.name are refused).
//
// The stored core/v1 Event keeps every events.k8s.io/v1 field (eventTime, series, action and
// related included), so nothing is lost either way.

import { errors, parseFieldSelector, type KubeObject, type ResourceInfo } from '@skiff/api';
import { kindSchema } from '../registry/meta-schema.js';
import { S, type Schema } from '../registry/schema.js';
import { eventStrategy } from '../registry/strategies/event.js';
import type { FieldValidation } from './field-validation.js';

export const EVENTS_GROUP = 'events.k8s.io';
export const EVENTS_V1_API_VERSION = 'events.k8s.io/v1';

/** The served resource: the same `events` the registry stores, in group events.k8s.io. */
export const EVENTS_V1_INFO: ResourceInfo = {
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  group: EVENTS_GROUP,
  version: 'v1',
  namespaced: true,
  // One storage in Kubernetes, so the same short name (kubectl prefers the core group for `ev`).
  shortNames: ['ev'],
};

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const coreSchema = eventStrategy.schema;
const coreFields = coreSchema.type === 'object' ? coreSchema.fields : {};
const objectReference: Schema = coreFields['involvedObject'] ?? S.object({});
const eventSource: Schema = coreFields['source'] ?? S.object({});

/** The events.k8s.io/v1 Event as Kubernetes' OpenAPI describes it (k8s.io/api/events/v1 types.go). */
export const EVENTS_V1_SCHEMA: Schema = kindSchema(
  {
    eventTime: S.string,
    series: S.object({ count: S.integer, lastObservedTime: S.string }, { required: ['count', 'lastObservedTime'] }),
    reportingController: S.string,
    reportingInstance: S.string,
    action: S.string,
    reason: S.string,
    regarding: objectReference,
    related: objectReference,
    note: S.string,
    type: S.string,
    deprecatedSource: eventSource,
    deprecatedFirstTimestamp: S.string,
    deprecatedLastTimestamp: S.string,
    deprecatedCount: S.integer,
  },
  { required: ['eventTime'] },
);

/** events.k8s.io/v1 field → core/v1 field, both ways (Convert_v1_Event_To_core_Event). */
const RENAMED: ReadonlyArray<readonly [external: string, core: string]> = [
  ['note', 'message'],
  ['regarding', 'involvedObject'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
  ['reportingController', 'reportingComponent'],
];
/** Fields with the same name in both versions. */
const SAME = ['reportingInstance', 'eventTime', 'series', 'action', 'reason', 'type', 'related'];
const META = ['apiVersion', 'kind', 'metadata'];

/** A stored core/v1 Event (or a watch bookmark of one) in events.k8s.io/v1 form. */
export function toEventsV1(core: Readonly<KubeObject>): KubeObject {
  const c = core as unknown as Obj;
  const out: Obj = { apiVersion: EVENTS_V1_API_VERSION, kind: 'Event', metadata: core.metadata };
  for (const [ext, name] of RENAMED) if (c[name] !== undefined) out[ext] = c[name];
  for (const name of SAME) if (c[name] !== undefined) out[name] = c[name];
  // eventTime is required and has no omitempty: an event recorded through core/v1 answers null.
  out['eventTime'] ??= null;
  // Events recorded through core/v1 name their reporter in source.component.
  const source = c['source'];
  if (out['reportingController'] === undefined && isObject(source) && typeof source['component'] === 'string' && source['component'] !== '') {
    out['reportingController'] = source['component'];
  }
  return out as unknown as KubeObject;
}

export interface InboundOptions {
  /** The request's fieldValidation: unknown events.k8s.io fields fail (Strict) or are dropped (Warn: with a warning). */
  fieldValidation: FieldValidation;
  warn(message: string): void;
}

/** A request body in events.k8s.io/v1 form as the core/v1 Event the registry stores (Convert_v1_Event_To_core_Event). */
export function fromEventsV1(body: unknown, opts: InboundOptions): unknown {
  if (!isObject(body)) throw errors.badRequest('Event in version "v1" cannot be handled as a Event: the object must be a JSON object');
  const apiVersion = body['apiVersion'];
  if (apiVersion !== undefined && apiVersion !== null && apiVersion !== EVENTS_V1_API_VERSION) {
    throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${EVENTS_V1_API_VERSION})`);
  }
  const known = new Set([...META, ...RENAMED.map(([ext]) => ext), ...SAME]);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0 && opts.fieldValidation === 'Strict') {
    throw errors.badRequest(`Event in version "v1" cannot be handled as a Event: strict decoding error: ${unknown.map((k) => `unknown field "${k}"`).join(', ')}`);
  }
  if (opts.fieldValidation === 'Warn') for (const k of unknown) opts.warn(`unknown field "${k}"`);
  const out: Obj = { ...body, apiVersion: 'v1' };
  for (const k of unknown) delete out[k];
  for (const [ext, name] of RENAMED) {
    delete out[ext];
    if (body[ext] !== undefined) out[name] = body[ext];
  }
  // The null eventTime core/v1 Events answer with (see toEventsV1) is no value.
  if (out['eventTime'] === null) delete out['eventTime'];
  return out;
}

/** Kubernetes' field label conversion for events.k8s.io/v1 Events: the events label → the core label. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  reason: 'reason',
  source: 'source',
  type: 'type',
};

/** An events.k8s.io/v1 field selector in the core labels the registry selects on; other labels are BadRequest. */
export function eventsV1FieldSelector(selector: string): string {
  let parsed;
  try {
    parsed = parseFieldSelector(selector);
  } catch (e) {
    throw errors.badRequest(`invalid field selector: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parsed.requirements
    .map((r) => {
      const core = FIELD_LABELS[r.field];
      if (core === undefined) throw errors.badRequest(`field label not supported: ${r.field}`);
      return `${core}${r.operator}${r.value}`;
    })
    .join(',');
}

/** A version of a resource the REST API serves over another's storage, converting on the way in and out. */
export interface ResourceView {
  readonly info: ResourceInfo;
  toExternal(obj: Readonly<KubeObject>): KubeObject;
  toStored(body: unknown, opts: InboundOptions): unknown;
  fieldSelector(selector: string): string;
}

export const EVENTS_V1_VIEW: ResourceView = {
  info: EVENTS_V1_INFO,
  toExternal: toEventsV1,
  toStored: fromEventsV1,
  fieldSelector: eventsV1FieldSelector,
};

/** The converted views, beside RESOURCES' stored versions. */
export const RESOURCE_VIEWS: readonly ResourceView[] = [EVENTS_V1_VIEW];

export function viewFor(info: Readonly<ResourceInfo>): ResourceView | undefined {
  return RESOURCE_VIEWS.find((v) => v.info.group === info.group && v.info.version === info.version && v.info.resource === info.resource);
}
