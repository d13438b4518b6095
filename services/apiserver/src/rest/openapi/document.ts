// The OpenAPI v3 documents the apiserver serves at /openapi/v3 (Kubernetes' discovery of them:
// staging/src/k8s.io/kube-openapi/pkg/handler3): an index naming one document per group-version,
// `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=<H>"}, ...}}`, and each
// document with the component schemas of the group-version's kinds (generated from the registry's
// schemas, so the document says exactly which fields Skiff accepts) and the paths of its resources.
// The converted views (rest/events-v1.ts) get their own document in their own form.
// Both are built once (the kinds are fixed at build time) and keep a stable content hash.

import { createHash } from 'node:crypto';
import { patchMetaFor, type KubeObject, type ResourceInfo } from '@skiff/api';
import { SCALE_SCHEMA } from '../../registry/scale.js';
import type { Schema } from '../../registry/schema.js';
import type { Strategy } from '../../registry/strategy.js';
import { STRATEGIES } from '../../registry/strategies/index.js';
import { serverVersion } from '../../server/version.js';
import { EVENTS_V1_INFO, EVENTS_V1_SCHEMA } from '../events-v1.js';
import { listDescription, typeDescription } from './descriptions.js';
import { META_V1, definitionName, namedTypes } from './names.js';
import { resourcePaths } from './paths.js';
import { ComponentBuilder, type Gvk, type OpenApiSchema } from './schemas.js';

const SCALE_INFO: ResourceInfo = { resource: 'scale', singular: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', namespaced: true, shortNames: [] };

/** `api/v1`, `apis/apps/v1`: a group-version as the index names it. */
export function groupVersionKey(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? `api/${info.version}` : `apis/${info.group}/${info.version}`;
}

interface Built {
  index: { paths: Record<string, { serverRelativeURL: string }> };
  docs: Map<string, { doc: OpenApiSchema; hash: string }>;
}

let cache: Built | undefined;

const gvk = (info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>, kind = info.kind): Gvk => ({ group: info.group, version: info.version, kind });

function metaComponents(b: ComponentBuilder): { listMeta: OpenApiSchema; status: OpenApiSchema; patch: OpenApiSchema; deleteOptions: OpenApiSchema } {
  const str = { type: 'string' };
  const int = { type: 'integer', format: 'int64' };
  const listMeta = b.addRaw(`${META_V1}.ListMeta`, {
    description: typeDescription('ListMeta'),
    type: 'object',
    properties: { continue: str, remainingItemCount: int, resourceVersion: str, selfLink: str },
  });
  const status = b.addRaw(`${META_V1}.Status`, {
    description: typeDescription('Status'),
    type: 'object',
    properties: {
      apiVersion: str,
      code: { type: 'integer', format: 'int32' },
      details: {
        type: 'object',
        properties: {
          causes: { type: 'array', items: { type: 'object', properties: { field: str, message: str, reason: str } } },
          group: str,
          kind: str,
          name: str,
          retryAfterSeconds: { type: 'integer', format: 'int32' },
          uid: str,
        },
      },
      kind: str,
      message: str,
      metadata: { allOf: [listMeta] },
      reason: str,
      status: str,
    },
    'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Status' }],
  });
  const patch = b.addRaw(`${META_V1}.Patch`, { description: typeDescription('Patch'), type: 'object' });
  const deleteOptions = b.addRaw(`${META_V1}.DeleteOptions`, {
    description: typeDescription('DeleteOptions'),
    type: 'object',
    properties: {
      apiVersion: str,
      dryRun: { type: 'array', items: str },
      gracePeriodSeconds: int,
      kind: str,
      preconditions: { type: 'object', properties: { resourceVersion: str, uid: str } },
      propagationPolicy: str,
    },
    'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'DeleteOptions' }],
  });
  return { listMeta, status, patch, deleteOptions };
}

/** A served kind as the document describes it: a strategy's, or a view's (no subresources). */
interface DocumentedKind {
  info: ResourceInfo;
  schema: Schema;
  hasStatusSubresource: boolean;
  hasScaleSubresource?: boolean;
  updateSubresources?: Readonly<Record<string, unknown>>;
}

const VIEWS: readonly DocumentedKind[] = [{ info: EVENTS_V1_INFO, schema: EVENTS_V1_SCHEMA, hasStatusSubresource: false }];

function build(): Built {
  const strategies: DocumentedKind[] = [...([...STRATEGIES.values()] as Strategy<KubeObject>[]), ...VIEWS];
  const kinds: { info: ResourceInfo; schema: Schema }[] = [...strategies.map((s) => ({ info: s.info, schema: s.schema })), { info: SCALE_INFO, schema: SCALE_SCHEMA }];
  const names = namedTypes(kinds);
  const gvks = new Map<string, Gvk[]>();
  for (const k of kinds) gvks.set(definitionName(k.info), [gvk(k.info)]);

  const byGroupVersion = new Map<string, DocumentedKind[]>();
  for (const s of strategies) {
    const key = groupVersionKey(s.info);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), s]);
  }

  const built: Built = { index: { paths: {} }, docs: new Map() };
  for (const [key, group] of [...byGroupVersion.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const b = new ComponentBuilder(names, gvks);
    const meta = metaComponents(b);
    let paths: Record<string, OpenApiSchema> = {};
    for (const s of group) {
      const name = definitionName(s.info);
      const object = b.addNamed(s.schema, name, patchMetaFor(s.info.kind));
      const list = b.addRaw(`${name}List`, {
        description: listDescription(s.info.kind),
        type: 'object',
        required: ['items'],
        properties: {
          apiVersion: { type: 'string' },
          items: { type: 'array', items: object },
          kind: { type: 'string' },
          metadata: { allOf: [meta.listMeta] },
        },
        'x-kubernetes-group-version-kind': [gvk(s.info, `${s.info.kind}List`)],
      });
      const scale = s.hasScaleSubresource ? b.addNamed(SCALE_SCHEMA, definitionName(SCALE_INFO), undefined) : object;
      paths = {
        ...paths,
        ...resourcePaths(s.info, { status: s.hasStatusSubresource, scale: s.hasScaleSubresource === true, updateOnly: Object.keys(s.updateSubresources ?? {}) }, { object, list, scale, status: meta.status, patch: meta.patch, deleteOptions: meta.deleteOptions }),
      };
    }
    const schemas = Object.fromEntries(Object.entries(b.schemas).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: serverVersion()['gitVersion'] ?? 'unversioned' },
      paths: Object.fromEntries(Object.entries(paths).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
      components: { schemas },
    };
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
    built.docs.set(key, { doc, hash });
    built.index.paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return built;
}

function built(): Built {
  cache ??= build();
  return cache;
}

/** The /openapi/v3 index: one entry per served group-version, each URL carrying its document's hash. */
export function openApiIndex(): { paths: Record<string, { serverRelativeURL: string }> } {
  return built().index;
}

/** The document of one group-version (`api/v1`, `apis/apps/v1`, or `apps/v1`/`v1`); undefined if not served. */
export function openApiDocument(groupVersion: string): object | undefined {
  return openApiEntry(groupVersion)?.doc;
}

/** A document with its hash (the `hash` query parameter of its URL and its ETag). */
export function openApiEntry(groupVersion: string): { doc: object; hash: string } | undefined {
  const docs = built().docs;
  const direct = docs.get(groupVersion);
  if (direct) return direct;
  const [group, version] = groupVersion.includes('/') ? (groupVersion.split('/') as [string, string]) : ['', groupVersion];
  return docs.get(groupVersionKey({ group, version }));
}
