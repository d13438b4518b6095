// The `paths` of an OpenAPI v3 document: Kubernetes' REST paths of each resource, each operation
// tagged with `x-kubernetes-action` and `x-kubernetes-group-version-kind` and carrying the query
// parameters Skiff's REST API takes. kubectl's query-parameter verifier
// (k8s.io/cli-runtime resource.QueryParamVerifierV3) looks for a `patch` operation of the kind's
// GVK with a `fieldValidation` parameter before it sends `fieldValidation=Strict`, and `apply`
// and `edit` need it to validate server-side.

import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import type { Gvk, OpenApiSchema } from './schemas.js';

const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function query(name: string, type: 'string' | 'integer' | 'boolean', description: string): OpenApiSchema {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const P = {
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. The only valid value is All.'),
  fieldManager: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict (the default).',
  ),
  force: query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.'),
  labelSelector: query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: query('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata.'),
  continue: query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  propagationPolicy: query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
};

const LIST_PARAMS = [P.pretty, P.labelSelector, P.fieldSelector, P.limit, P.continue, P.resourceVersion, P.watch, P.allowWatchBookmarks, P.timeoutSeconds];
const WRITE_PARAMS = [P.pretty, P.dryRun, P.fieldManager, P.fieldValidation];

const json = (schema: OpenApiSchema): OpenApiSchema => ({ 'application/json': { schema } });
const ok = (schema: OpenApiSchema, codes: string[] = ['200']): OpenApiSchema =>
  Object.fromEntries([...codes.map((c) => [c, { description: c === '201' ? 'Created' : c === '202' ? 'Accepted' : 'OK', content: json(schema) }]), ['401', { description: 'Unauthorized' }]]);

function pathParam(name: string, description: string): OpenApiSchema {
  return { name, in: 'path', required: true, description, schema: { type: 'string', uniqueItems: true } };
}

export interface PathRefs {
  /** `$ref` of the object the path serves (the kind, or autoscaling/v1 Scale). */
  object: OpenApiSchema;
  list: OpenApiSchema;
  status: OpenApiSchema;
  patch: OpenApiSchema;
  deleteOptions: OpenApiSchema;
  scale: OpenApiSchema;
}

function op(action: string, gvk: Gvk, id: string, description: string, parameters: OpenApiSchema[], responses: OpenApiSchema, requestBody?: OpenApiSchema): OpenApiSchema {
  return {
    description,
    operationId: id,
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
  };
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionRoot(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
}

/** The path items of one resource: its collections, its items and its status and scale subresources. */
export function resourcePaths(info: ResourceInfo, sub: { status: boolean; scale: boolean; updateOnly?: readonly string[] }, refs: PathRefs): Record<string, OpenApiSchema> {
  const gvk: Gvk = { group: info.group, version: info.version, kind: info.kind };
  const root = groupVersionRoot(info);
  const id = `${info.kind}${apiVersionOf(info).replace(/[^a-zA-Z0-9]/g, '')}`;
  const ns = pathParam('namespace', 'object name and auth scope, such as for teams and projects');
  const name = pathParam('name', `name of the ${info.kind}`);
  const scope = info.namespaced ? `${root}/namespaces/{namespace}/${info.resource}` : `${root}/${info.resource}`;
  const scopeParams = info.namespaced ? [ns] : [];
  const body = (schema: OpenApiSchema): OpenApiSchema => ({ content: { '*/*': { schema } }, required: true });
  const patchBody = { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: refs.patch }])), required: true };
  const deleteBody = { content: { '*/*': { schema: refs.deleteOptions } } };

  const paths: Record<string, OpenApiSchema> = {};
  paths[scope] = {
    parameters: scopeParams,
    get: op('list', gvk, `list${id}`, `list or watch objects of kind ${info.kind}`, LIST_PARAMS, ok(refs.list)),
    post: op('post', gvk, `create${id}`, `create a ${info.kind}`, WRITE_PARAMS, ok(refs.object, ['200', '201', '202']), body(refs.object)),
    delete: op('deletecollection', gvk, `deletecollection${id}`, `delete collection of ${info.kind}`, [...LIST_PARAMS.filter((p) => p !== P.watch), P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], ok(refs.status), deleteBody),
  };
  paths[`${scope}/{name}`] = {
    parameters: [name, ...scopeParams],
    get: op('get', gvk, `read${id}`, `read the specified ${info.kind}`, [P.pretty], ok(refs.object)),
    put: op('put', gvk, `replace${id}`, `replace the specified ${info.kind}`, WRITE_PARAMS, ok(refs.object, ['200', '201']), body(refs.object)),
    patch: op('patch', gvk, `patch${id}`, `partially update the specified ${info.kind}`, [...WRITE_PARAMS, P.force], ok(refs.object, ['200', '201']), patchBody),
    delete: op('delete', gvk, `delete${id}`, `delete a ${info.kind}`, [P.pretty, P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], ok(refs.object, ['200', '202']), deleteBody),
  };
  if (sub.status) {
    paths[`${scope}/{name}/status`] = {
      parameters: [name, ...scopeParams],
      get: op('get', gvk, `read${id}Status`, `read status of the specified ${info.kind}`, [P.pretty], ok(refs.object)),
      put: op('put', gvk, `replace${id}Status`, `replace status of the specified ${info.kind}`, WRITE_PARAMS, ok(refs.object, ['200', '201']), body(refs.object)),
      patch: op('patch', gvk, `patch${id}Status`, `partially update status of the specified ${info.kind}`, [...WRITE_PARAMS, P.force], ok(refs.object, ['200', '201']), patchBody),
    };
  }
  // Update-only subresources (namespaces/finalize): PUT of the whole object.
  for (const sub_ of sub.updateOnly ?? []) {
    paths[`${scope}/{name}/${sub_}`] = {
      parameters: [name, ...scopeParams],
      put: op('put', gvk, `replace${id}${sub_[0]?.toUpperCase() ?? ''}${sub_.slice(1)}`, `replace ${sub_} of the specified ${info.kind}`, WRITE_PARAMS, ok(refs.object, ['200', '201']), body(refs.object)),
    };
  }
  if (sub.scale) {
    const scaleGvk: Gvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    paths[`${scope}/{name}/scale`] = {
      parameters: [pathParam('name', 'name of the Scale'), ...scopeParams],
      get: op('get', scaleGvk, `read${id}Scale`, `read scale of the specified ${info.kind}`, [P.pretty], ok(refs.scale)),
      put: op('put', scaleGvk, `replace${id}Scale`, `replace scale of the specified ${info.kind}`, WRITE_PARAMS, ok(refs.scale, ['200', '201']), body(refs.scale)),
      patch: op('patch', scaleGvk, `patch${id}Scale`, `partially update scale of the specified ${info.kind}`, [...WRITE_PARAMS, P.force], ok(refs.scale, ['200', '201']), patchBody),
    };
  }
  if (info.namespaced) {
    paths[`${root}/${info.resource}`] = {
      get: op('list', gvk, `list${id}ForAllNamespaces`, `list or watch objects of kind ${info.kind}`, LIST_PARAMS, ok(refs.list)),
    };
  }
  return paths;
}
