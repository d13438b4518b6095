// The seams where other parts of the REST API plug in, each optional. Without one, the server
// answers as described on each hook. Wire an implementation in `defaultExtensions()` (one import
// and one line each) or pass `RestExtensions` to startRestServer (tests).
//
//   table          rest/tables/    Accept: application/json;as=Table;v=v1;g=meta.k8s.io
//   applyPatch     registry/managed-fields/   PATCH with application/apply-patch+yaml
//   decodeProtobuf rest/protobuf/  bodies in application/vnd.kubernetes.protobuf
//   upgrade        rest/streams/   pods/<name>/exec|attach|portforward (WebSocket / SPDY upgrades)
//   openapi        rest/openapi/   /openapi/v2, /openapi/v3[/...]

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject, ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Registry } from '../registry/registry.js';
import type { ResourceStore } from '../registry/resource-store.js';
import type { UserInfo } from './auth.js';
import { openApiHandler } from './openapi/handler.js';
import { decodeProtobufObject } from './protobuf/decode.js';
import { serverSideApply } from './server-side-apply.js';
import { createStreamsUpgradeHandler } from './streams/index.js';
import { tableConverter } from './tables/table.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  info: ResourceInfo;
  /** `includeObject` query parameter (default Metadata: rows carry PartialObjectMetadata). */
  includeObject: IncludeObject;
  /** A list's metadata (resourceVersion, continue); absent for a single object or a watch event. */
  listMeta?: { resourceVersion?: string; continue?: string };
  /** Watch events after the first: column definitions may be left out. */
  noHeaders: boolean;
}

/**
 * Renders objects as a meta.k8s.io/v1 Table. Called for a get (one object), a list (its items) and
 * each watch event (one object). Returning undefined answers plain JSON instead.
 */
export type TableConverter = (objects: readonly KubeObject[], req: TableRequest) => object | undefined;

export interface ApplyPatchRequest {
  registry: Registry;
  store: ResourceStore;
  namespace: string;
  name: string;
  /** "" or "status" / "scale". */
  subresource: string;
  /** The request body (YAML or JSON text). */
  body: Buffer;
  /** `fieldManager` (required for apply). */
  fieldManager: string;
  force: boolean;
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  user: UserInfo;
  /** Adds a `Warning:` header (299) to the response. */
  warn(message: string): void;
}

/** Server-side apply; `created` answers 201. Throw ApiError (Conflict with causes for field conflicts). */
export type ApplyPatchHandler = (req: ApplyPatchRequest) => Promise<{ object: KubeObject; created: boolean }>;

/** Decodes a protobuf body (`k8s\0` + runtime.Unknown) to the JSON value it stands for. */
export type ProtobufDecoder = (body: Buffer, info: ResourceInfo) => unknown;

export interface UpgradeRequest {
  registry: Registry;
  log: Logger;
  user: UserInfo;
  info: ResourceInfo;
  namespace: string;
  name: string;
  /** exec, attach or portforward. */
  subresource: string;
  query: URLSearchParams;
}

/**
 * Takes over a streaming subresource. `head` and `socket` are given for Upgrade requests (the
 * handler answers 101 or writes an HTTP error on the socket itself); `res` for plain requests.
 * Without a handler: 400 for plain requests, an HTTP 501 Status for upgrades.
 */
export interface UpgradeHandler {
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeRequest): void;
  request?(req: IncomingMessage, res: ServerResponse, ctx: UpgradeRequest): void;
  /** Ends the streams still open (the server is stopping: upgraded connections would hold it up). */
  close?(): void;
}

/** Serves /openapi/... ; answering false falls through to 404. */
export type OpenApiHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean | Promise<boolean>;

export interface RestExtensions {
  table?: TableConverter;
  applyPatch?: ApplyPatchHandler;
  decodeProtobuf?: ProtobufDecoder;
  upgrade?: UpgradeHandler;
  openapi?: OpenApiHandler;
}

/** The extensions the apiserver runs with. */
export function defaultExtensions(): RestExtensions {
  return {
    table: tableConverter,
    openapi: openApiHandler,
    applyPatch: serverSideApply,
    decodeProtobuf: (body) => decodeProtobufObject(body),
    upgrade: createStreamsUpgradeHandler(),
  };
}
