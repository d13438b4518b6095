// Request bodies in Kubernetes' protobuf encoding (Content-Type application/vnd.kubernetes.protobuf),
// as kubectl 1.32-1.33 sends them for `create deployment|namespace|configmap|secret|service` and
// `autoscale`: the 4-byte magic `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw,
// contentEncoding, contentType} whose `raw` is the object's message. Decoded with protobufjs against
// kubernetes-subset.proto and turned into the JSON object Kubernetes' JSON codec would give: empty
// values dropped (Go writes every non-pointer field, JSON omits them), Time as RFC 3339,
// IntOrString as a number or string, Quantity as its string, bytes as base64.

import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { ApiError, type KubeObject } from '@skiff/api';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const PROTO_FILE = fileURLToPath(new URL('../../../src/rest/protobuf/kubernetes-subset.proto', import.meta.url));
const KEEP_ZERO = '(skiff.keep_zero)';

/** The kinds whose protobuf bodies are understood, by `apiVersion kind`. */
const MESSAGES: Readonly<Record<string, string>> = {
  'apps/v1 Deployment': 'Deployment',
  'v1 Pod': 'Pod',
  'v1 Namespace': 'Namespace',
  'v1 ConfigMap': 'ConfigMap',
  'v1 Secret': 'Secret',
  'v1 Service': 'Service',
  'autoscaling/v1 HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
};

let root: protobuf.Root | undefined;
function types(): protobuf.Root {
  if (root === undefined) {
    root = protobuf.loadSync(PROTO_FILE, new protobuf.Root());
    root.resolveAll();
  }
  return root;
}
function lookup(name: string): protobuf.Type {
  return types().lookupType(`skiff.k8s.${name}`);
}

/** The `apiVersion kind` pairs decodeProtobufObject accepts. */
export function protobufKinds(): string[] {
  return Object.keys(MESSAGES);
}

/**
 * Decodes a Kubernetes protobuf body to the JSON object it stands for. Throws ApiError BadRequest
 * (400) for a body that is not `k8s\0` + runtime.Unknown or whose message is malformed or carries
 * fields Skiff does not know, UnsupportedMediaType (415) for a kind it has no message for.
 */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('the body does not start with the Kubernetes protobuf magic "k8s\\x00"');
  }
  const envelope = lookup('Unknown');
  const payload = body.subarray(MAGIC.length);
  const unknown = decodeChecked(envelope, payload, 'runtime.Unknown') as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: Uint8Array;
    contentEncoding?: string;
    contentType?: string;
  };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  if (apiVersion === '' || kind === '') throw badRequest('runtime.Unknown carries no typeMeta apiVersion and kind');
  if (unknown.contentEncoding) {
    throw badRequest(`runtime.Unknown contentEncoding ${JSON.stringify(unknown.contentEncoding)} is not supported`);
  }
  if (unknown.contentType && unknown.contentType !== 'application/vnd.kubernetes.protobuf') {
    throw badRequest(`runtime.Unknown contentType ${JSON.stringify(unknown.contentType)} is not supported`);
  }
  const messageName = MESSAGES[`${apiVersion} ${kind}`];
  if (messageName === undefined) {
    throw new ApiError(
      'UnsupportedMediaType',
      `protobuf bodies of ${kind} (${apiVersion}) are not supported; send application/json`,
      { kind },
    );
  }
  const type = lookup(messageName);
  const message = decodeChecked(type, Buffer.from(unknown.raw ?? new Uint8Array()), `${apiVersion} ${kind}`);
  const json = messageToJson(message, type);
  return { apiVersion, kind, metadata: {}, ...json } as KubeObject;
}

function badRequest(why: string): ApiError {
  return new ApiError('BadRequest', `the protobuf request body could not be decoded: ${why}`);
}

function decodeChecked(type: protobuf.Type, bytes: Uint8Array, what: string): protobuf.Message {
  try {
    checkKnownFields(type, bytes, type.name);
    return type.decode(bytes);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw badRequest(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Walks the wire bytes of a message: a field this subset does not declare is an error unless its
 * value is empty (Go's generated code writes empty non-pointer fields; those mean nothing).
 */
function checkKnownFields(type: protobuf.Type, bytes: Uint8Array, path: string): void {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field = type.fieldsById[id];
    if (wire === 2) {
      const value = reader.bytes();
      if (field === undefined) {
        if (value.length > 0) throw badRequest(`${path}: field number ${id} is not supported by Skiff`);
        continue;
      }
      if (field.map) {
        const valueType = field.resolvedType;
        if (valueType instanceof protobuf.Type) checkMapEntry(valueType, value, `${path}.${field.name}`);
      } else if (field.resolvedType instanceof protobuf.Type) {
        checkKnownFields(field.resolvedType, value, `${path}.${field.name}`);
      }
      continue;
    }
    if (field === undefined) {
      if (wire === 0) {
        if (reader.uint64().toString() !== '0') throw badRequest(`${path}: field number ${id} is not supported by Skiff`);
        continue;
      }
      throw badRequest(`${path}: field number ${id} is not supported by Skiff`);
    }
    reader.skipType(wire);
  }
}

/** A map entry is a message {1: key, 2: value}; only message values need checking. */
function checkMapEntry(valueType: protobuf.Type, entry: Uint8Array, path: string): void {
  const reader = protobuf.Reader.create(entry);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 2) checkKnownFields(valueType, reader.bytes(), path);
    else reader.skipType(tag & 7);
  }
}

type Json = string | number | boolean | Json[] | { [key: string]: Json };

function messageToJson(message: protobuf.Message, type: protobuf.Type): Record<string, Json> {
  const out: Record<string, Json> = {};
  const values = message as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(values, field.name)) continue;
    const raw = values[field.name];
    const keepZero = field.options?.[KEEP_ZERO] === true;
    let value: Json | undefined;
    if (field.map) {
      const map: Record<string, Json> = {};
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        // A map keeps its entries' empty values: `data: {a: ""}` is a key with an empty value.
        map[k] = scalarOrMessage(v, field, true) ?? '';
      }
      value = Object.keys(map).length > 0 ? map : undefined;
    } else if (field.repeated) {
      const items = (raw as unknown[]).map((v) => scalarOrMessage(v, field, true) ?? {});
      value = items.length > 0 ? items : undefined;
    } else {
      value = scalarOrMessage(raw, field, keepZero);
    }
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

/** One value of a field as JSON; undefined when it is empty (and not a kept zero). */
function scalarOrMessage(v: unknown, field: protobuf.Field, keepZero: boolean): Json | undefined {
  const type = field.resolvedType;
  if (type instanceof protobuf.Type) return specialOrMessage(v as protobuf.Message, type);
  if (v instanceof Uint8Array) return v.length > 0 || keepZero ? Buffer.from(v).toString('base64') : undefined;
  if (typeof v === 'string') return v !== '' || keepZero ? v : undefined;
  if (typeof v === 'boolean') return v || keepZero ? v : undefined;
  const n = toNumber(v);
  return n !== 0 || keepZero ? n : undefined;
}

function specialOrMessage(m: protobuf.Message, type: protobuf.Type): Json | undefined {
  const values = m as unknown as Record<string, unknown>;
  switch (type.name) {
    case 'Time': {
      const seconds = toNumber(values['seconds'] ?? 0);
      if (seconds === 0) return undefined; // a zero Time is JSON null: the field is absent
      return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'IntOrString':
      return toNumber(values['type'] ?? 0) === 1 ? String(values['strVal'] ?? '') : toNumber(values['intVal'] ?? 0);
    case 'Quantity': {
      const s = values['string'];
      return typeof s === 'string' && s !== '' ? s : undefined;
    }
    default: {
      const obj = messageToJson(m, type);
      return Object.keys(obj).length > 0 ? obj : undefined;
    }
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high } = v as { low: number; high: number };
    return new protobuf.util.LongBits(low >>> 0, high >>> 0).toNumber(false);
  }
  return Number(v);
}
