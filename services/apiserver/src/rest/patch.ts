// PATCH bodies by Content-Type: JSON merge patch, strategic merge patch (the kind's patch meta) and
// JSON patch (RFC 6902) are applied here to the current object; server-side apply
// (application/apply-patch+yaml) goes to the applyPatch extension. A patch that does not apply is
// 422 naming the field; a malformed one is 400; another Content-Type is 415.

import { ApiError, applyMergePatch, applyStrategicMergePatch, errors, PatchError, patchMetaFor, type Json } from '@skiff/api';
import fastJsonPatch from 'fast-json-patch';
import { parseJsonBody } from './body.js';
import { unsupportedMediaType } from './status.js';

export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';
/** Server-side apply with a CBOR body (Kubernetes 1.32 alpha); refused like any unknown type. */
export const PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];

export type PatchFn = (current: Json) => Json;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `spec.template.spec` → `/spec/template/spec`-free form: JSON pointer to Kubernetes' dotted field path. */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

function patchInvalid(kind: string, name: string, field: string, message: string): ApiError {
  return new ApiError('Invalid', `${kind} "${name}" is invalid: ${field ? `${field}: ` : ''}${message}`, {
    name,
    kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

/**
 * Parses a patch body of a supported type (other than apply) into a function of the current object.
 * `kind` picks the strategic merge patch meta and names the object in errors.
 */
export function parsePatch(contentType: string, body: Buffer, kind: string, name: string): PatchFn {
  switch (contentType) {
    case MERGE_PATCH: {
      const patch = parseJsonBody(body, 'patch');
      if (!isObject(patch)) throw errors.badRequest('a merge patch must be a JSON object');
      return (current) => applyMergePatch(current, patch as Json);
    }
    case STRATEGIC_MERGE_PATCH: {
      const patch = parseJsonBody(body, 'patch');
      if (!isObject(patch)) throw errors.badRequest('a strategic merge patch must be a JSON object');
      return (current) => {
        try {
          return applyStrategicMergePatch(current, patch, patchMetaFor(kind));
        } catch (e) {
          if (e instanceof PatchError) throw patchInvalid(kind, name, e.path, e.message);
          throw e;
        }
      };
    }
    case JSON_PATCH: {
      const ops = parseJsonBody(body, 'patch');
      if (!Array.isArray(ops)) throw errors.badRequest('a JSON patch must be a JSON array of operations');
      ops.forEach((op, i) => {
        if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') {
          throw errors.badRequest(`JSON patch operation ${i} must be an object with "op" and "path"`);
        }
      });
      return (current) => {
        try {
          return fastJsonPatch.applyPatch(structuredClone(current), ops as fastJsonPatch.Operation[], true, true).newDocument as Json;
        } catch (e) {
          if (e instanceof fastJsonPatch.JsonPatchError) {
            const op = (e.operation ?? {}) as { op?: string; path?: string };
            const reason = e.message.split('\n')[0] ?? e.name;
            throw patchInvalid(kind, name, pointerToField(op.path ?? ''), `jsonpatch ${op.op ?? ''} operation does not apply: ${reason} (${op.path ?? ''})`);
          }
          throw e;
        }
      };
    }
    default:
      throw unsupportedMediaType(contentType, PATCH_TYPES);
  }
}
