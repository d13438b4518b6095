// Request bodies: read with Kubernetes' 3 MiB limit (413 beyond it) and decoded by Content-Type:
// JSON (also when no Content-Type is sent, as kubectl's PUT of a Scale), YAML, and protobuf
// through the protobuf extension; anything else is 415.

import type { IncomingMessage } from 'node:http';
import { errors, type ResourceInfo } from '@skiff/api';
import { parse as parseYaml } from 'yaml';
import type { RestExtensions } from './extensions.js';
import { mediaTypeOf } from './negotiation.js';
import { tooLarge, unsupportedMediaType } from './status.js';

/** Kubernetes' MaxRequestBodyBytes. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export const JSON_TYPE = 'application/json';
export const YAML_TYPE = 'application/yaml';
export const PROTOBUF_TYPE = 'application/vnd.kubernetes.protobuf';
const BODY_TYPES = [JSON_TYPE, YAML_TYPE, PROTOBUF_TYPE];

/** Reads the whole body; a body over `limit` bytes is 413 (the rest is not read). */
export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Parses JSON; malformed text is a BadRequest saying where it broke. */
export function parseJsonBody(body: Buffer, what = 'request body'): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest(`the ${what} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw errors.badRequest(`the ${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8')) as unknown;
  } catch (e) {
    throw errors.badRequest(`the request body is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Decodes an object body (create, update, subresource writes) by its Content-Type. */
export function decodeObjectBody(req: IncomingMessage, body: Buffer, info: ResourceInfo, ext: RestExtensions): unknown {
  const type = mediaTypeOf(req);
  switch (type) {
    case '':
    case JSON_TYPE:
      return parseJsonBody(body);
    case YAML_TYPE:
      return parseYamlBody(body);
    case PROTOBUF_TYPE:
      if (ext.decodeProtobuf) return ext.decodeProtobuf(body, info);
      throw unsupportedMediaType(type, [JSON_TYPE, YAML_TYPE]);
    default:
      throw unsupportedMediaType(type, ext.decodeProtobuf ? BODY_TYPES : [JSON_TYPE, YAML_TYPE]);
  }
}
