// The typed client every component (scheduler, controllers, kubelet, CLI, tests) uses to reach the
// apiserver over gRPC. Resources are named by their plural resource name ("pods"); objects are
// plain Kubernetes-shaped JSON.

import * as grpc from '@grpc/grpc-js';
import { ApiError, type KubeList, type KubeObject, type Status, type WatchEvent } from '@skiff/api';
import { fromGrpcError } from './grpc-status.js';
import { CHANNEL_OPTIONS, loadSkiffProto } from './proto.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowBookmarks?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  timestamps?: boolean;
  /** Only lines from the last N seconds (≥ 1); at most one of sinceSeconds and sinceTime. */
  sinceSeconds?: number;
  /** Only lines at or after this RFC 3339 time. */
  sinceTime?: string;
}

export interface ExecOptions {
  container?: string;
  command: string[];
  stdin?: boolean;
  tty?: boolean;
}

/** One frame of an exec's output: stdout or stderr bytes, and last the exit. */
export type ExecOutputFrame =
  | { stdout: Buffer }
  | { stderr: Buffer }
  | { exit: { exitCode: number; status?: Status } };

/** A running exec: iterate its output; write stdin, resize the terminal, end stdin, or cancel. */
export interface ExecStream extends AsyncIterable<ExecOutputFrame> {
  write(data: Buffer): void;
  resize(width: number, height: number): void;
  closeStdin(): void;
  cancel(): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
}

/** A live watch: iterate events; `close()` ends it. Iteration throws ApiError (Gone → relist). */
export interface WatchStream<T extends KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

export interface LogStream extends AsyncIterable<Buffer> {
  close(): void;
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

export interface ClientOptions {
  /** host:port of the apiserver's gRPC endpoint. */
  server: string;
  /** Per-call deadline for unary calls, ms (default 30 s). */
  timeoutMs?: number;
}

function ref(resource: string, namespace = '', name = '', subresource = '') {
  return { resource, namespace, name, subresource };
}

export class ApiClient {
  readonly server: string;
  private readonly stub: grpc.Client & Record<string, unknown>;
  private readonly timeoutMs: number;

  constructor(opts: ClientOptions) {
    this.server = opts.server;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const { Resources } = loadSkiffProto();
    this.stub = new Resources(opts.server, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as grpc.Client & Record<string, unknown>;
  }

  close(): void {
    this.stub.close();
  }

  private call(method: string, req: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const fn = this.stub[method] as Unary;
      fn.call(this.stub, req, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) reject(fromGrpcError(err, this.server));
        else resolve(res);
      });
    });
  }

  private async object<T>(method: string, req: unknown): Promise<T> {
    const res = await this.call(method, req);
    return JSON.parse(res['object_json'] as string) as T;
  }

  create<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.object('Create', {
      ref: ref(resource, obj.metadata.namespace ?? '', '', opts.subresource ?? ''),
      object_json: JSON.stringify(obj),
      dry_run: opts.dryRun ?? false,
    });
  }

  /** `opts.subresource` reads a subresource such as "scale" (an autoscaling/v1 Scale). */
  get<T extends KubeObject>(resource: string, namespace: string, name: string, opts: { subresource?: string } = {}): Promise<T> {
    return this.object('Get', { ref: ref(resource, namespace, name, opts.subresource ?? '') });
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const res = await this.call('List', {
      ref: ref(resource, opts.namespace ?? ''),
      label_selector: opts.labelSelector ?? '',
      field_selector: opts.fieldSelector ?? '',
      limit: opts.limit ?? 0,
      continue: opts.continue ?? '',
    });
    return JSON.parse(res['list_json'] as string) as KubeList<T>;
  }

  /** Replaces the object (spec and metadata; status is kept). Stale resourceVersion → Conflict. */
  update<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.object('Update', {
      ref: ref(resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '', opts.subresource ?? ''),
      object_json: JSON.stringify(obj),
      dry_run: opts.dryRun ?? false,
    });
  }

  /** Replaces the status only (the `status` subresource). */
  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.update(resource, obj, { subresource: 'status' });
  }

  /** JSON merge patch (RFC 7386). */
  patch<T extends KubeObject>(resource: string, namespace: string, name: string, patch: unknown, opts: WriteOptions = {}): Promise<T> {
    return this.object('Patch', {
      ref: ref(resource, namespace, name, opts.subresource ?? ''),
      patch_type: 'application/merge-patch+json',
      patch_json: JSON.stringify(patch),
      dry_run: opts.dryRun ?? false,
    });
  }

  /** Returns the object as it is after the call: still present (with deletionTimestamp) while finalizers or grace run. */
  delete<T extends KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    return this.object('Delete', {
      ref: ref(resource, namespace, name),
      propagation_policy: opts.propagationPolicy ?? '',
      grace_period_seconds: opts.gracePeriodSeconds ?? -1,
      precondition_uid: opts.preconditions?.uid ?? '',
      precondition_resource_version: opts.preconditions?.resourceVersion ?? '',
    });
  }

  /** The pods/binding subresource: sets spec.nodeName once. */
  bind(namespace: string, pod: string, node: string): Promise<KubeObject> {
    return this.object('Bind', {
      ref: ref('pods', namespace, pod, 'binding'),
      object_json: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      }),
      dry_run: false,
    });
  }

  async version(): Promise<Record<string, string>> {
    const res = await this.call('Version', {});
    return JSON.parse(res['version_json'] as string) as Record<string, string>;
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions = {}): WatchStream<T> {
    const call = (this.stub['Watch'] as (req: unknown) => grpc.ClientReadableStream<{ type: string; object_json: string }>).call(this.stub, {
      ref: ref(resource, opts.namespace ?? ''),
      label_selector: opts.labelSelector ?? '',
      field_selector: opts.fieldSelector ?? '',
      resource_version: opts.resourceVersion ?? '',
      allow_bookmarks: opts.allowBookmarks ?? false,
    });
    const server = this.server;
    return {
      close: () => call.cancel(),
      async *[Symbol.asyncIterator]() {
        try {
          for await (const ev of call as AsyncIterable<{ type: string; object_json: string }>) {
            yield { type: ev.type, object: JSON.parse(ev.object_json) } as WatchEvent<T>;
          }
        } catch (e) {
          if ((e as grpc.ServiceError).code === grpc.status.CANCELLED) return;
          throw fromGrpcError(e, server);
        } finally {
          call.cancel();
        }
      },
    };
  }

  /** The pods/exec subresource: runs a command in a container of a running pod. */
  exec(namespace: string, name: string, opts: ExecOptions): ExecStream {
    type Out = { stdout?: Buffer; stderr?: Buffer; exit?: { exit_code: number; status_json: string }; output?: string };
    const call = (this.stub['Exec'] as () => grpc.ClientDuplexStream<unknown, Out>).call(this.stub);
    call.write({
      start: { namespace, name, container: opts.container ?? '', command: opts.command, stdin: opts.stdin ?? false, tty: opts.tty ?? false, pod_uid: '' },
    });
    const server = this.server;
    return {
      write: (data) => void call.write({ stdin: data }),
      resize: (width, height) => void call.write({ resize: { width, height } }),
      closeStdin: () => {
        call.write({ stdin_close: true });
        call.end();
      },
      cancel: () => call.cancel(),
      async *[Symbol.asyncIterator]() {
        try {
          for await (const frame of call as AsyncIterable<Out>) {
            if (frame.output === 'stdout' && frame.stdout) yield { stdout: frame.stdout };
            else if (frame.output === 'stderr' && frame.stderr) yield { stderr: frame.stderr };
            else if (frame.output === 'exit' && frame.exit) {
              const status = frame.exit.status_json ? (JSON.parse(frame.exit.status_json) as Status) : undefined;
              yield status ? { exit: { exitCode: frame.exit.exit_code, status } } : { exit: { exitCode: frame.exit.exit_code } };
            }
          }
        } catch (e) {
          if ((e as grpc.ServiceError).code === grpc.status.CANCELLED) return;
          throw fromGrpcError(e, server);
        }
      },
    };
  }

  logs(namespace: string, name: string, opts: LogOptions = {}): LogStream {
    const call = (this.stub['Logs'] as (req: unknown) => grpc.ClientReadableStream<{ data: Buffer }>).call(this.stub, {
      namespace,
      name,
      container: opts.container ?? '',
      follow: opts.follow ?? false,
      tail_lines: opts.tailLines ?? -1,
      previous: opts.previous ?? false,
      timestamps: opts.timestamps ?? false,
      since_seconds: opts.sinceSeconds ?? 0,
      since_time: opts.sinceTime ?? '',
    });
    const server = this.server;
    return {
      close: () => call.cancel(),
      async *[Symbol.asyncIterator]() {
        try {
          for await (const chunk of call as AsyncIterable<{ data: Buffer }>) yield chunk.data;
        } catch (e) {
          if ((e as grpc.ServiceError).code === grpc.status.CANCELLED) return;
          throw fromGrpcError(e, server);
        } finally {
          call.cancel();
        }
      },
    };
  }
}

/**
 * The apiserver as components see it. `ApiClient` is the real adapter and `FakeApi`
 * (`@skiff/client/testing/fake-api`) the in-memory fake; one contract suite
 * (`@skiff/client/testing/api-contract`) runs against both.
 */
export type ApiInterface = Pick<ApiClient, 'create' | 'get' | 'list' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'watch' | 'bind' | 'logs' | 'version'>;

/** Retries `fn` while the apiserver is unavailable, until `deadlineMs` passes. */
export async function untilAvailable<T>(fn: () => Promise<T>, deadlineMs: number, pollMs = 200): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'ServiceUnavailable') || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
