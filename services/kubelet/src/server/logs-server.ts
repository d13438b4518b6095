// The kubelet's gRPC service `skiff.v1.Kubelet`: ContainerLogs streams a container's log to the
// apiserver (which serves `pods/log`). `previous` reads the dead instance kept beside the current
// one; `follow` streams until the container stops or the caller cancels; sinceSeconds/sinceTime
// keep only the lines written from then on (the runtime's `since`).

import * as grpc from '@grpc/grpc-js';
import { ApiError, errors } from '@skiff/api';
import { loadSkiffProto, toGrpcError, type ContainerLogRequestMessage, type LogChunkMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, LABEL_RESTART_COUNT, LABEL_ROLE, podSelectorLabels } from '../pod/labels.js';
import type { ContainerRuntime, ContainerSummary } from '../runtime/runtime.js';

export type ContainerLogRequest = ContainerLogRequestMessage;
type Chunk = LogChunkMessage;

export interface LogsServerOptions {
  runtime: ContainerRuntime;
  node: string;
  host: string;
  port: number;
  log: Logger;
  /** More methods of the Kubelet service served on the same server (Exec). */
  handlers?: grpc.UntypedServiceImplementation;
}

export interface LogsServer {
  readonly port: number;
  close(): Promise<void>;
}

const attemptOf = (c: ContainerSummary): number => Number(c.labels[LABEL_RESTART_COUNT] ?? '0') || 0;

/** Picks the container instance a log request is about (Kubernetes' validateContainerLogStatus). */
export async function findLogContainer(runtime: ContainerRuntime, node: string, req: ContainerLogRequest): Promise<ContainerSummary> {
  const namespace = req.namespace || 'default';
  const all = (await runtime.listContainers(podSelectorLabels(node, namespace, req.name))).filter(
    (c) => c.labels[LABEL_ROLE] === 'app' && (!req.pod_uid || c.labels[LABEL_POD_UID] === req.pod_uid),
  );
  let container = req.container;
  if (!container) {
    const names = [...new Set(all.map((c) => c.labels[LABEL_CONTAINER_NAME] ?? ''))];
    if (names.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${req.name}, choose one of: [${names.join(' ')}]`);
    }
    container = names[0] ?? '';
  }
  const instances = all.filter((c) => c.labels[LABEL_CONTAINER_NAME] === container).sort((a, b) => attemptOf(b) - attemptOf(a) || b.createdAt - a.createdAt);
  if (req.previous) {
    const prev = instances[1];
    if (!prev) throw errors.badRequest(`previous terminated container "${container}" in pod "${req.name}" not found`);
    return prev;
  }
  const latest = instances[0];
  if (!latest) throw errors.badRequest(`container "${container}" in pod "${req.name}" is waiting to start: ContainerCreating`);
  return latest;
}

/**
 * The earliest time a log line may have (ms since the epoch), as the kubelet's NewLogOptions
 * derives it: sinceSeconds counts back from now (the kubelet's clock); a later sinceTime wins.
 * Undefined: no bound. A malformed request (the apiserver validates first) is a 400/422.
 */
export function logSince(req: Pick<ContainerLogRequest, 'name' | 'since_seconds' | 'since_time'>, now: number): number | undefined {
  const seconds = req.since_seconds ?? 0;
  const time = req.since_time ?? '';
  if (seconds < 0) {
    throw errors.invalid('PodLogOptions', req.name, [{ type: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${seconds}: must be greater than 0` }]);
  }
  let since: number | undefined = seconds > 0 ? now - seconds * 1000 : undefined;
  if (time !== '') {
    const t = Date.parse(time);
    if (Number.isNaN(t) || !/^\d{4}-\d\d-\d\dT/i.test(time)) throw errors.badRequest(`sinceTime: invalid RFC 3339 time "${time}"`);
    if (since === undefined || t > since) since = t;
  }
  return since;
}

function streamLogs(call: grpc.ServerWritableStream<ContainerLogRequest, Chunk>, o: LogsServerOptions): Promise<void> {
  return (async () => {
    const ac = new AbortController();
    call.on('cancelled', () => ac.abort());
    try {
      const since = logSince(call.request, Date.now());
      const c = await findLogContainer(o.runtime, o.node, call.request);
      const tail = call.request.tail_lines;
      for await (const data of o.runtime.logs(c.id, {
        follow: call.request.follow,
        timestamps: call.request.timestamps,
        signal: ac.signal,
        ...(tail >= 0 ? { tail } : {}),
        ...(since !== undefined ? { since } : {}),
      })) {
        if (ac.signal.aborted) break;
        if (!call.write({ data })) await new Promise<void>((r) => call.once('drain', () => r()));
      }
      if (!call.cancelled) call.end();
    } catch (e) {
      if (call.cancelled) return;
      if (!(e instanceof ApiError)) o.log.warn({ err: e instanceof Error ? e.message : String(e), pod: `${call.request.namespace}/${call.request.name}` }, 'container log stream failed');
      call.emit('error', toGrpcError(e));
    }
  })();
}

export async function serveLogs(o: LogsServerOptions): Promise<LogsServer> {
  const server = new grpc.Server();
  const { Kubelet } = loadSkiffProto();
  server.addService(Kubelet.service, {
    ContainerLogs: (call: grpc.ServerWritableStream<ContainerLogRequest, Chunk>) => {
      void streamLogs(call, o);
    },
    ...o.handlers,
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${o.host}:${o.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
