// skiff.v1.Resources over the registry. Objects travel as JSON text; every failure becomes a gRPC
// status carrying a Kubernetes Status (toGrpcError). Each call is counted and timed.

import * as grpc from '@grpc/grpc-js';
import { ApiError, errors, type KubeObject } from '@skiff/api';
import { loadSkiffProto, toGrpcError, type ExecInputMessage, type ExecOutputMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { ApiserverMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ActiveWatch } from '../registry/resource-watch.js';
import { evictPod } from '../registry/pod-eviction.js';
import { forwardExec } from './exec.js';
import { streamLogs, type LogRequest } from './logs.js';
import { deleteOptionsOf, parseJson, refOf, type ResourceRef } from './request.js';
import { serverVersion } from './version.js';

export interface ResourcesServiceDeps {
  registry: Registry;
  metrics: ApiserverMetrics;
  log: Logger;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

interface RefRequest {
  ref?: Partial<ResourceRef> | null;
}
interface ObjectRequest extends RefRequest {
  object_json: string;
  dry_run: boolean;
}
interface ListRequest extends RefRequest {
  label_selector: string;
  field_selector: string;
  limit: number;
  continue: string;
}
interface PatchRequest extends RefRequest {
  patch_type: string;
  patch_json: string;
  dry_run: boolean;
}
interface DeleteRequest extends RefRequest {
  propagation_policy: string;
  grace_period_seconds: number;
  precondition_uid: string;
  precondition_resource_version: string;
}
interface WatchRequest extends RefRequest {
  label_selector: string;
  field_selector: string;
  resource_version: string;
  allow_bookmarks: boolean;
}
interface WatchEventMsg {
  type: string;
  object_json: string;
}

const MERGE_PATCH = 'application/merge-patch+json';

/** The registered resource name for metrics ("pods"), or what was asked when unknown. */
function resourceLabel(registry: Registry, resource: string): string {
  try {
    return registry.store(resource).info.resource;
  } catch {
    return resource;
  }
}

export class ResourcesService {
  private readonly watches = new Map<grpc.ServerWritableStream<WatchRequest, WatchEventMsg>, () => void>();

  constructor(private readonly deps: ResourcesServiceDeps) {}

  /** Counts and times one request; `ok` is the HTTP code reported on success. */
  private async measure<T>(verb: string, resource: string, ok: number, fn: () => Promise<T>): Promise<T> {
    const { metrics } = this.deps;
    const labels = { verb, resource: resourceLabel(this.deps.registry, resource) };
    const end = metrics.requestDuration.startTimer(labels);
    try {
      const result = await fn();
      metrics.requestTotal.inc({ ...labels, code: String(ok) });
      return result;
    } catch (e) {
      metrics.requestTotal.inc({ ...labels, code: String(e instanceof ApiError ? e.code : 500) });
      if (!(e instanceof ApiError)) this.deps.log.error({ err: e, verb, resource }, 'request failed');
      throw e;
    } finally {
      end();
    }
  }

  private unary<Req extends RefRequest, Res>(verb: string, ok: number, fn: (req: Req, ref: ResourceRef) => Promise<Res>): Unary<Req, Res> {
    return (call, callback) => {
      const ref = refOf(call.request);
      this.measure(verb, ref.resource, ok, () => fn(call.request, ref)).then(
        (res) => callback(null, res),
        (e: unknown) => callback(toGrpcError(e)),
      );
    };
  }

  private object(obj: KubeObject): { object_json: string } {
    return { object_json: JSON.stringify(obj) };
  }

  implementation(): grpc.UntypedServiceImplementation {
    const { registry } = this.deps;
    return {
      Create: this.unary<ObjectRequest, { object_json: string }>('POST', 201, async (req, ref) => {
        const body = parseJson(req.object_json, 'object');
        if (ref.subresource === 'eviction' && registry.store(ref.resource).info.resource === 'pods') {
          return { object_json: JSON.stringify(await evictPod(registry, ref.namespace, ref.name, body, { dryRun: req.dry_run })) };
        }
        return this.object(await registry.store(ref.resource).create(ref.namespace, body, { dryRun: req.dry_run, subresource: ref.subresource }));
      }),
      Get: this.unary<RefRequest, { object_json: string }>('GET', 200, async (_req, ref) =>
        this.object(await registry.store(ref.resource).get(ref.namespace, ref.name, { subresource: ref.subresource })),
      ),
      List: this.unary<ListRequest, { list_json: string }>('LIST', 200, async (req, ref) => {
        const list = await registry.store(ref.resource).list({
          namespace: ref.namespace,
          labelSelector: req.label_selector,
          fieldSelector: req.field_selector,
          limit: Number(req.limit),
          continue: req.continue,
        });
        return { list_json: JSON.stringify(list) };
      }),
      Update: this.unary<ObjectRequest, { object_json: string }>('PUT', 200, async (req, ref) =>
        this.object(
          await registry.store(ref.resource).update(ref.namespace, ref.name, parseJson(req.object_json, 'object'), {
            dryRun: req.dry_run,
            subresource: ref.subresource,
          }),
        ),
      ),
      Patch: this.unary<PatchRequest, { object_json: string }>('PATCH', 200, async (req, ref) => {
        const type = req.patch_type || MERGE_PATCH;
        if (type !== MERGE_PATCH) {
          throw new ApiError('UnsupportedMediaType', `the server does not support patch type "${type}" over gRPC; use ${MERGE_PATCH}`);
        }
        const store = registry.store(ref.resource);
        return this.object(await store.patch(ref.namespace, ref.name, parseJson(req.patch_json, 'patch'), { dryRun: req.dry_run, subresource: ref.subresource }));
      }),
      Delete: this.unary<DeleteRequest, { object_json: string }>('DELETE', 200, async (req, ref) =>
        this.object(await registry.store(ref.resource).delete(ref.namespace, ref.name, deleteOptionsOf(req))),
      ),
      Bind: this.unary<ObjectRequest, { object_json: string }>('POST', 201, async (req, ref) => {
        if (registry.store(ref.resource).info.resource !== 'pods') throw errors.notFound(`${ref.resource}/binding`, ref.name);
        return this.object(await registry.bind(ref.namespace, ref.name, parseJson(req.object_json, 'binding')));
      }),
      Version: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<{ version_json: string }>) => {
        callback(null, { version_json: JSON.stringify(serverVersion()) });
      },
      Watch: (call: grpc.ServerWritableStream<WatchRequest, WatchEventMsg>) => this.watch(call),
      Logs: (call: grpc.ServerWritableStream<LogRequest, { data: Buffer }>) => {
        this.measure('CONNECT', 'pods', 200, async () => {
          const err = await streamLogs(call, registry, this.deps.log);
          if (err !== undefined) throw err;
        }).catch(() => undefined);
      },
      Exec: (call: grpc.ServerDuplexStream<ExecInputMessage, ExecOutputMessage>) => {
        this.measure('CONNECT', 'pods', 200, async () => {
          const err = await forwardExec(call, registry, this.deps.log);
          if (err !== undefined) throw err;
        }).catch(() => undefined);
      },
    };
  }

  private watch(call: grpc.ServerWritableStream<WatchRequest, WatchEventMsg>): void {
    const { registry, metrics } = this.deps;
    const ref = refOf(call.request);
    const resource = resourceLabel(registry, ref.resource);
    const req = call.request;
    let active: ActiveWatch | undefined;
    let ended = false;
    const end = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      this.watches.delete(call);
      active?.close();
      metrics.registeredWatchers.dec({ resource });
      if (err !== undefined) call.emit('error', toGrpcError(err));
      else if (!call.cancelled) call.end();
    };
    metrics.registeredWatchers.inc({ resource });
    metrics.requestTotal.inc({ verb: 'WATCH', resource, code: '200' });
    this.watches.set(call, () => end());
    call.on('cancelled', () => end());
    call.on('error', () => end());
    registry
      .watch(
        ref.resource,
        {
          namespace: ref.namespace,
          labelSelector: req.label_selector,
          fieldSelector: req.field_selector,
          resourceVersion: req.resource_version,
          allowBookmarks: req.allow_bookmarks,
        },
        {
          send: (ev) => {
            if (!ended) call.write({ type: ev.type, object_json: JSON.stringify(ev.object) });
          },
          fail: (err) => end(err),
        },
      )
      .then(
        (w) => {
          active = w;
          if (ended) w.close();
        },
        (e: unknown) => end(e),
      );
  }

  /** Ends every open watch (server shutdown). */
  closeWatches(): void {
    for (const end of [...this.watches.values()]) end();
  }
}

export interface GrpcServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function serveGrpc(host: string, port: number, service: ResourcesService): Promise<GrpcServer> {
  const server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.http2.min_ping_interval_without_data_ms': 5_000 });
  server.addService(loadSkiffProto().Resources.service, service.implementation());
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        service.closeWatches();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
