// The verbs on a resource path, over the registry's stores (as the gRPC ResourcesService does):
// list / watch / get / create / update / patch / delete / deletecollection, and the subresources
// of subresources.ts. Each handler answers through `ctx.send` or throws an ApiError. A route of a
// converted view (events-v1.ts: events.k8s.io/v1 Events over the core/v1 storage) converts bodies
// on the way in, objects on the way out and field selectors to the stored version's labels.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiVersionOf, errors, isApiError, type Json, type KubeList, type KubeObject } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { ApiserverMetrics } from '../metrics.js';
import type { DeleteOptions } from '../registry/delete-plan.js';
import { evictPod } from '../registry/pod-eviction.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceStore } from '../registry/resource-store.js';
import { fieldManagerFor, validateFieldManager } from '../registry/managed-fields/index.js';
import { deleteOptionsOf } from '../server/request.js';
import type { UserInfo } from './auth.js';
import { decodeObjectBody, JSON_TYPE, parseJsonBody, readBody } from './body.js';
import { viewFor, type ResourceView } from './events-v1.js';
import type { IncludeObject, RestExtensions, TableConverter, TableRequest } from './extensions.js';
import { dropUnknownFields, parseFieldValidation, unknownFieldWarning, type FieldValidation } from './field-validation.js';
import { serveLog } from './log.js';
import { mediaTypeOf, wantsTable } from './negotiation.js';
import { APPLY_PATCH, parsePatch, type PatchFn } from './patch.js';
import type { Route } from './paths.js';
import { deleteSuccess, methodNotAllowed, unsupportedMediaType } from './status.js';
import { findSubresource } from './subresources.js';
import { serveWatch } from './watch.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  user: UserInfo;
  registry: Registry;
  metrics: ApiserverMetrics;
  ext: RestExtensions;
  log: Logger;
  /** `Warning:` headers to send with the answer. */
  warnings: string[];
  /** Writes a JSON answer (with the warnings). */
  send(code: number, body: unknown): void;
  /** The verb for metrics, once known (LIST, WATCH, APPLY, CONNECT, ...). */
  verb: string;
}

type ResourceRoute = Extract<Route, { kind: 'resource' }>;

const MAX_PATCH_RETRIES = 8;
/** Kinds whose delete answers the deleted object rather than a Status (their storages' ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['pods', 'services']);

function boolQuery(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

/** dryRun=All (the only value Kubernetes knows); absent: a real write. */
function dryRunOf(values: string[]): boolean {
  for (const v of values) if (v !== 'All') throw errors.invalid('', '', [{ type: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: "${v}": supported values: "All"` }]);
  return values.length > 0;
}

function intQuery(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`${key}: invalid value "${v}": must be an integer`);
  return Number(v);
}

function tableRequest(ctx: RequestContext, route: ResourceRoute, listMeta?: TableRequest['listMeta']): TableRequest | undefined {
  if (!ctx.ext.table || !wantsTable(ctx.req)) return undefined;
  const inc = ctx.query.get('includeObject') ?? 'Metadata';
  if (inc !== 'None' && inc !== 'Metadata' && inc !== 'Object') throw errors.badRequest(`includeObject: unsupported value "${inc}": supported values: "None", "Metadata", "Object"`);
  return { info: route.info, includeObject: inc as IncludeObject, ...(listMeta ? { listMeta } : {}), noHeaders: false };
}

/** The table converter of a route: the stored objects' columns, rows carrying the view's form of each object. */
function tableConverter(ctx: RequestContext, route: ResourceRoute): TableConverter | undefined {
  const convert = ctx.ext.table;
  const view = viewFor(route.info);
  if (!convert || !view) return convert;
  return (objects, req) => {
    const table = convert(objects, req) as { rows?: { object?: unknown }[] } | undefined;
    if (req.includeObject === 'Object') {
      for (const row of table?.rows ?? []) if (row.object !== undefined) row.object = view.toExternal(row.object as KubeObject);
    }
    return table;
  };
}

/** Answers one (stored) object in the route's version, as a Table when asked and possible. */
function sendObject(ctx: RequestContext, route: ResourceRoute, code: number, obj: KubeObject): void {
  const treq = route.subresource === '' ? tableRequest(ctx, route) : undefined;
  const table = treq && tableConverter(ctx, route)?.([obj], treq);
  ctx.send(code, table ?? viewFor(route.info)?.toExternal(obj) ?? obj);
}

/** A request body in the stored version (a view's body converted; unknown fields of the view per fieldValidation). */
function storedBody(ctx: RequestContext, view: ResourceView | undefined, body: unknown, mode: FieldValidation): unknown {
  return view ? view.toStored(body, { fieldValidation: mode, warn: (m) => ctx.warnings.push(m) }) : body;
}

/** The `fieldSelector` query in the stored version's labels. */
function fieldSelectorOf(ctx: RequestContext, route: ResourceRoute): string {
  const selector = ctx.query.get('fieldSelector') ?? '';
  const view = viewFor(route.info);
  return view && selector !== '' ? view.fieldSelector(selector) : selector;
}

/** Drops unknown fields for fieldValidation Warn / Ignore (Strict: the registry refuses them). */
function applyFieldValidation(ctx: RequestContext, store: ResourceStore, subresource: string, body: unknown, mode: FieldValidation): void {
  if (mode === 'Strict' || subresource === 'scale') return;
  const dropped = dropUnknownFields(body, store.strategy.schema);
  if (mode === 'Warn') ctx.warnings.push(...dropped.map(unknownFieldWarning));
}

export async function handleResource(ctx: RequestContext, route: ResourceRoute): Promise<void> {
  const { req, registry } = ctx;
  const store = registry.store(route.info.resource);
  const method = req.method ?? 'GET';
  if (route.subresource !== '') return handleSubresource(ctx, route, store, method);
  if (route.name === '' || route.watchPath) {
    if (method === 'GET') return list(ctx, route, store);
    if (route.namespace === '' && route.info.namespaced && method !== 'GET') throw methodNotAllowed(method, route.info.resource);
    if (method === 'POST') return create(ctx, route, store);
    if (method === 'DELETE') return deleteCollection(ctx, route, store);
    throw methodNotAllowed(method, route.info.resource);
  }
  if (route.info.namespaced && route.namespace === '') throw methodNotAllowed(method, route.info.resource);
  switch (method) {
    case 'GET':
      ctx.verb = 'GET';
      return sendObject(ctx, route, 200, await store.get(route.namespace, route.name));
    case 'PUT':
      return update(ctx, route, store, '');
    case 'PATCH':
      return patch(ctx, route, store, '');
    case 'DELETE':
      return remove(ctx, route, store);
    default:
      throw methodNotAllowed(method, `${route.info.resource}/${route.name}`);
  }
}

async function list(ctx: RequestContext, route: ResourceRoute, store: ResourceStore): Promise<void> {
  const q = ctx.query;
  const labelSelector = q.get('labelSelector') ?? '';
  let fieldSelector = fieldSelectorOf(ctx, route);
  const view = viewFor(route.info);
  if (route.watchPath || boolQuery(q, 'watch')) {
    ctx.verb = 'WATCH';
    if (route.name !== '') fieldSelector = [`metadata.name=${route.name}`, fieldSelector].filter((s) => s !== '').join(',');
    const timeoutSeconds = intQuery(q, 'timeoutSeconds');
    const treq = tableRequest(ctx, route);
    const table = tableConverter(ctx, route);
    await serveWatch(ctx.registry, ctx.metrics, {
      resource: route.info.resource,
      namespace: route.namespace,
      labelSelector,
      fieldSelector,
      resourceVersion: q.get('resourceVersion') ?? '',
      allowBookmarks: boolQuery(q, 'allowWatchBookmarks'),
      timeoutSeconds: timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds : undefined,
      ...(treq && table ? { table: { convert: table, req: treq } } : {}),
      ...(view ? { convert: view.toExternal } : {}),
    }, ctx.res);
    return;
  }
  ctx.verb = 'LIST';
  const limit = intQuery(q, 'limit');
  const cont = q.get('continue') ?? '';
  const result: KubeList = await store.list({
    ...(route.namespace ? { namespace: route.namespace } : {}),
    labelSelector,
    fieldSelector,
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    ...(cont ? { continue: cont } : {}),
  });
  const treq = tableRequest(ctx, route, result.metadata);
  const table = treq && tableConverter(ctx, route)?.(result.items, treq);
  ctx.send(200, table ?? (view ? { ...result, apiVersion: apiVersionOf(route.info), items: result.items.map(view.toExternal) } : result));
}

async function create(ctx: RequestContext, route: ResourceRoute, store: ResourceStore): Promise<void> {
  ctx.verb = 'POST';
  const q = ctx.query;
  const dryRun = dryRunOf(q.getAll('dryRun'));
  const mode = parseFieldValidation(q.get('fieldValidation'));
  const body = storedBody(ctx, viewFor(route.info), decodeObjectBody(ctx.req, await readBody(ctx.req), route.info, ctx.ext), mode);
  applyFieldValidation(ctx, store, '', body, mode);
  const created = await store.create(route.namespace, body, { dryRun, fieldManager: managerOf(ctx) });
  sendObject(ctx, route, 201, created);
}

async function update(ctx: RequestContext, route: ResourceRoute, store: ResourceStore, subresource: string): Promise<void> {
  ctx.verb = 'PUT';
  const q = ctx.query;
  const dryRun = dryRunOf(q.getAll('dryRun'));
  const mode = parseFieldValidation(q.get('fieldValidation'));
  const decoded = decodeObjectBody(ctx.req, await readBody(ctx.req), route.info, ctx.ext);
  const body = subresource === '' ? storedBody(ctx, viewFor(route.info), decoded, mode) : decoded;
  applyFieldValidation(ctx, store, subresource, body, mode);
  const updated = await store.update(route.namespace, route.name, body, { dryRun, subresource, fieldManager: managerOf(ctx) });
  sendObject(ctx, route, 200, updated);
}

/** Applies `fn` to the current object (or Scale) and writes it as an update, retrying when another write won the race. */
/** The field manager of a non-apply write: `fieldManager`, else the User-Agent's program, as Kubernetes derives it. */
function managerOf(ctx: RequestContext): string {
  const manager = fieldManagerFor(ctx.query.get('fieldManager'), ctx.req.headers['user-agent']);
  validateFieldManager(manager, false);
  return manager;
}

async function patchWith(store: ResourceStore, route: ResourceRoute, subresource: string, fn: (current: Json) => Json, dryRun: boolean, fieldManager: string): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(route.namespace, route.name, { subresource: subresource === 'scale' ? 'scale' : '' });
    const rv = current.metadata.resourceVersion ?? '';
    const patched = fn(structuredClone(current) as unknown as Json);
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw errors.badRequest('the patched object is not a JSON object');
    const meta = patched['metadata'];
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) patched['metadata'] = { resourceVersion: rv };
    else if (meta['resourceVersion'] === undefined || meta['resourceVersion'] === null) meta['resourceVersion'] = rv;
    // A patch that names a resourceVersion is a precondition: its Conflict is the answer.
    const pinned = (patched['metadata'] as Record<string, Json>)['resourceVersion'] !== rv;
    try {
      return await store.update(route.namespace, route.name, patched, { dryRun, subresource, fieldManager });
    } catch (e) {
      if (!(isApiError(e, 'Conflict') && !pinned && attempt < MAX_PATCH_RETRIES)) throw e;
    }
  }
}

async function patch(ctx: RequestContext, route: ResourceRoute, store: ResourceStore, subresource: string): Promise<void> {
  ctx.verb = 'PATCH';
  const q = ctx.query;
  const dryRun = dryRunOf(q.getAll('dryRun'));
  const mode = parseFieldValidation(q.get('fieldValidation'));
  const type = mediaTypeOf(ctx.req);
  const body = await readBody(ctx.req);
  const view = subresource === '' ? viewFor(route.info) : undefined;
  if (type === APPLY_PATCH) {
    ctx.verb = 'APPLY';
    // Server-side apply tracks fields by the stored version's names; a converted view does not offer it.
    if (!ctx.ext.applyPatch || view) throw unsupportedMediaType(type, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
    const fieldManager = q.get('fieldManager') ?? '';
    if (fieldManager === '') throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const out = await ctx.ext.applyPatch({
      registry: ctx.registry,
      store,
      namespace: route.namespace,
      name: route.name,
      subresource,
      body,
      fieldManager,
      force: boolQuery(q, 'force'),
      dryRun,
      fieldValidation: mode,
      user: ctx.user,
      warn: (m) => ctx.warnings.push(m),
    });
    return sendObject(ctx, route, out.created ? 201 : 200, out.object);
  }
  const fn: PatchFn = parsePatch(type, body, subresource === 'scale' ? 'Scale' : route.info.kind, route.name);
  const withValidation = (current: Json): Json => {
    // A view's patch applies to the object in the view's form, and the result is stored back.
    const patched = view
      ? (storedBody(ctx, view, fn(view.toExternal(current as unknown as KubeObject) as unknown as Json), mode) as Json)
      : fn(current);
    applyFieldValidation(ctx, store, subresource, patched, mode);
    return patched;
  };
  sendObject(ctx, route, 200, await patchWith(store, route, subresource, withValidation, dryRun, managerOf(ctx)));
}

/** DeleteOptions from the body (if any) and the query; the query wins, as Kubernetes decodes it last. */
async function deleteOptions(ctx: RequestContext): Promise<{ options: DeleteOptions; dryRun: boolean }> {
  const raw = await readBody(ctx.req);
  let body: Record<string, unknown> = {};
  if (raw.length > 0) {
    const type = mediaTypeOf(ctx.req);
    if (type !== '' && type !== JSON_TYPE) throw unsupportedMediaType(type, [JSON_TYPE]);
    const parsed = parseJsonBody(raw, 'DeleteOptions');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw errors.badRequest('DeleteOptions must be a JSON object');
    body = parsed as Record<string, unknown>;
  }
  const q = ctx.query;
  const pre = (body['preconditions'] ?? {}) as { uid?: unknown; resourceVersion?: unknown };
  let policy = q.get('propagationPolicy') ?? (typeof body['propagationPolicy'] === 'string' ? body['propagationPolicy'] : '');
  const orphan = q.get('orphanDependents') ?? (typeof body['orphanDependents'] === 'boolean' ? String(body['orphanDependents']) : '');
  if (policy === '' && orphan !== '') policy = orphan === 'true' ? 'Orphan' : 'Background';
  const grace = intQuery(q, 'gracePeriodSeconds') ?? (typeof body['gracePeriodSeconds'] === 'number' ? body['gracePeriodSeconds'] : -1);
  const options = deleteOptionsOf({
    propagation_policy: policy,
    grace_period_seconds: grace,
    precondition_uid: typeof pre.uid === 'string' ? pre.uid : '',
    precondition_resource_version: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : '',
  });
  const bodyDryRun = Array.isArray(body['dryRun']) ? (body['dryRun'] as unknown[]).map(String) : [];
  return { options, dryRun: dryRunOf([...q.getAll('dryRun'), ...bodyDryRun]) };
}

async function remove(ctx: RequestContext, route: ResourceRoute, store: ResourceStore): Promise<void> {
  ctx.verb = 'DELETE';
  const { options, dryRun } = await deleteOptions(ctx);
  const obj = await store.delete(route.namespace, route.name, options, dryRun);
  // Still there (graceful deletion, finalizers): the object; gone: a Success Status, or the object for pods and services.
  if (obj.metadata.deletionTimestamp || RETURNS_DELETED_OBJECT.has(route.info.resource)) return ctx.send(200, viewFor(route.info)?.toExternal(obj) ?? obj);
  ctx.send(200, deleteSuccess(obj, route.info.group, route.info.resource));
}

async function deleteCollection(ctx: RequestContext, route: ResourceRoute, store: ResourceStore): Promise<void> {
  ctx.verb = 'DELETECOLLECTION';
  const { options, dryRun } = await deleteOptions(ctx);
  const q = ctx.query;
  const found = await store.list({
    ...(route.namespace ? { namespace: route.namespace } : {}),
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: fieldSelectorOf(ctx, route),
  });
  const items: KubeObject[] = [];
  for (const obj of found.items) {
    try {
      items.push(await store.delete(obj.metadata.namespace ?? '', obj.metadata.name ?? '', options, dryRun));
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
  }
  const view = viewFor(route.info);
  ctx.send(200, view ? { ...found, apiVersion: apiVersionOf(route.info), items: items.map(view.toExternal) } : { ...found, items });
}

async function handleSubresource(ctx: RequestContext, route: ResourceRoute, store: ResourceStore, method: string): Promise<void> {
  const sub = findSubresource(store.strategy, route.subresource);
  if (!sub) throw errors.notFound(`${route.info.resource}/${route.subresource}`, route.name);
  if (route.info.namespaced && route.namespace === '') throw methodNotAllowed(method, `${route.info.resource}/${route.subresource}`);
  const what = `${route.info.resource}/${route.subresource}`;
  switch (sub.handling) {
    case 'object':
    case 'scale':
      if (method === 'GET' && sub.verbs.includes('get')) {
        ctx.verb = 'GET';
        return ctx.send(200, await store.get(route.namespace, route.name, { subresource: route.subresource }));
      }
      if (method === 'PUT' && sub.verbs.includes('update')) return update(ctx, route, store, route.subresource);
      if (method === 'PATCH' && sub.verbs.includes('patch')) return patch(ctx, route, store, route.subresource);
      throw methodNotAllowed(method, what);
    case 'binding': {
      if (method !== 'POST') throw methodNotAllowed(method, what);
      ctx.verb = 'POST';
      const body = decodeObjectBody(ctx.req, await readBody(ctx.req), route.info, ctx.ext);
      if (!dryRunOf(ctx.query.getAll('dryRun'))) await ctx.registry.bind(route.namespace, route.name, body);
      return ctx.send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    case 'eviction': {
      if (method !== 'POST') throw methodNotAllowed(method, what);
      ctx.verb = 'POST';
      const dryRun = dryRunOf(ctx.query.getAll('dryRun'));
      const body = decodeObjectBody(ctx.req, await readBody(ctx.req), route.info, ctx.ext);
      return ctx.send(201, await evictPod(ctx.registry, route.namespace, route.name, body, { dryRun }));
    }
    case 'log':
      if (method !== 'GET') throw methodNotAllowed(method, what);
      ctx.verb = 'CONNECT';
      await serveLog(ctx.registry, route.namespace, route.name, ctx.query, ctx.res, ctx.log);
      return;
    case 'upgrade': {
      ctx.verb = 'CONNECT';
      const handler = ctx.ext.upgrade?.request;
      if (!handler) throw errors.badRequest(`Upgrade request required: ${what} is served over WebSocket (v5.channel.k8s.io)`);
      handler(ctx.req, ctx.res, { registry: ctx.registry, log: ctx.log, user: ctx.user, info: route.info, namespace: route.namespace, name: route.name, subresource: route.subresource, query: ctx.query });
      return;
    }
  }
}
