// The first step of every write: the request body must be an object of the resource's kind and
// apiVersion (filled in when absent, as the Kubernetes REST path implies them) carrying only
// fields Skiff supports.

import { apiVersionOf, errors, type KubeObject, type ResourceInfo } from '@skiff/api';
import { checkSchema, pruneNulls, type Schema } from './schema.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a body is decoded as: a kind's strategy, or a subresource's kind (the autoscaling/v1 Scale). */
export interface DecodeTarget {
  readonly info: ResourceInfo;
  readonly schema: Schema;
}

export function decodeBody(target: DecodeTarget, body: unknown): KubeObject {
  const { kind, version } = target.info;
  const apiVersion = apiVersionOf(target.info);
  const prefix = `${kind} in version "${version}" cannot be handled as a ${kind}`;
  if (!isPlainObject(body)) throw errors.badRequest(`${prefix}: the object must be a JSON object`);
  if (body['apiVersion'] !== undefined && body['apiVersion'] !== null && body['apiVersion'] !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${apiVersion})`);
  }
  if (body['kind'] !== undefined && body['kind'] !== null && body['kind'] !== kind) {
    throw errors.badRequest(`the kind in the data (${JSON.stringify(body['kind'])}) does not match the expected kind (${JSON.stringify(kind)}) of resource "${target.info.resource}"`);
  }
  const problems = checkSchema(body, target.schema);
  const unknown = problems.filter((p) => p.kind === 'unknown');
  if (unknown.length > 0) throw errors.badRequest(`${prefix}: strict decoding error: ${unknown.map((p) => p.message).join(', ')}`);
  if (problems.length > 0) throw errors.badRequest(`${prefix}: ${problems.map((p) => p.message).join(', ')}`);
  const obj = pruneNulls(body) as unknown as KubeObject;
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  obj.metadata ??= {};
  return obj;
}
