// PATCH with application/apply-patch+yaml: server-side apply over the registry. The body is the
// applier's configuration (YAML or JSON); registry/managed-fields merges it into the live object
// with field ownership, and the result is created (201) or updated like any other write, so
// validation, admission and allocation run exactly as for a create or an update.

import { parse as parseYaml } from 'yaml';
import { errors, isApiError, nowRFC3339, apiVersionOf, type KubeObject } from '@skiff/api';
import { applyConfig, validateFieldManager } from '../registry/managed-fields/index.js';
import type { ApplyPatchHandler } from './extensions.js';

/** Retries when another writer changed the object between our read and our write. */
const MAX_ATTEMPTS = 5;

function parseConfig(body: Buffer): object {
  let parsed: unknown;
  try {
    parsed = parseYaml(body.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`error decoding YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw errors.badRequest('an apply patch must be a YAML or JSON object');
  return parsed;
}

export const serverSideApply: ApplyPatchHandler = async (req) => {
  validateFieldManager(req.fieldManager, true);
  if (req.subresource !== '' && req.subresource !== 'status') throw errors.badRequest(`server-side apply is not supported for the ${req.subresource} subresource`);
  const config = parseConfig(req.body);
  const apiVersion = apiVersionOf(req.store.info);
  for (let attempt = 1; ; attempt++) {
    let live: KubeObject | undefined;
    try {
      live = await req.store.get(req.namespace, req.name);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
    if (!live && req.subresource !== '') throw errors.notFound(req.store.info.resource, req.name);
    const result = applyConfig(live, config, req.fieldManager, { force: req.force, now: nowRFC3339(), apiVersion, subresource: req.subresource });
    const object = result.object;
    object.metadata = { ...object.metadata, name: req.name, ...(req.store.info.namespaced ? { namespace: req.namespace } : {}) };
    try {
      if (!live) return { object: await req.store.create(req.namespace, object, { dryRun: req.dryRun }), created: true };
      if (!result.changed && JSON.stringify(object.metadata.managedFields) === JSON.stringify(live.metadata.managedFields)) return { object: live, created: false };
      object.metadata.resourceVersion = live.metadata.resourceVersion ?? '';
      const updated = await req.store.update(req.namespace, req.name, object, { dryRun: req.dryRun, subresource: req.subresource });
      return { object: updated, created: false };
    } catch (e) {
      const raced = isApiError(e, 'Conflict') || (!live && isApiError(e, 'AlreadyExists'));
      if (!raced || attempt >= MAX_ATTEMPTS) throw e;
    }
  }
};
