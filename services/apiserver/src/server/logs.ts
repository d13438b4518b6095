// The pods/log subresource: find the pod's node, ask that node's kubelet (kubelet-target.ts) and
// relay the chunks. Cancelling the client call cancels the kubelet call.

import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, toGrpcError } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Registry } from '../registry/registry.js';
import type { LogChunkMessage, LogRequestMessage } from '@skiff/client';
import { kubeletClient, resolveKubeletTarget } from './kubelet-target.js';

export type LogRequest = LogRequestMessage;
type Chunk = LogChunkMessage;

/** A container's log stream from its node's kubelet; `close` when done with it. */
export interface ContainerLogStream {
  upstream: grpc.ClientReadableStream<Chunk>;
  endpoint: string;
  close(): void;
}

/** Finds the pod's kubelet (kubelet-target.ts) and opens its ContainerLogs stream. */
export async function openContainerLogs(registry: Registry, req: LogRequest): Promise<ContainerLogStream> {
  const { pod, container, endpoint } = await resolveKubeletTarget(registry, req.namespace, req.name, req.container);
  const client = kubeletClient(endpoint);
  const upstream = (client['ContainerLogs'] as (req: unknown) => grpc.ClientReadableStream<Chunk>).call(client, {
    pod_uid: pod.metadata.uid ?? '',
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name ?? '',
    container,
    follow: req.follow,
    tail_lines: req.tail_lines,
    previous: req.previous,
    timestamps: req.timestamps,
  });
  return { upstream, endpoint, close: () => client.close() };
}

/** Relays the log; resolves when the stream ends, with the error it ended with, if any. */
export function streamLogs(call: grpc.ServerWritableStream<LogRequest, Chunk>, registry: Registry, log: Logger): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      if (err === undefined) call.end();
      else call.emit('error', toGrpcError(err));
      resolve(err);
    };
    openContainerLogs(registry, call.request).then(
      ({ upstream, endpoint, close }) => {
        const done = (err?: unknown): void => {
          close();
          finish(err);
        };
        if (call.cancelled) {
          upstream.cancel();
          return done();
        }
        call.on('cancelled', () => {
          upstream.cancel();
          done();
        });
        upstream.on('data', (chunk: Chunk) => {
          if (!call.write({ data: chunk.data })) {
            upstream.pause();
            call.once('drain', () => upstream.resume());
          }
        });
        upstream.on('end', () => done());
        upstream.on('error', (e: grpc.ServiceError) => {
          if (e.code === grpc.status.CANCELLED && call.cancelled) return done();
          log.warn({ err: e.message, endpoint }, 'kubelet log stream failed');
          done(fromGrpcError(e, `kubelet ${endpoint}`));
        });
      },
      (err: unknown) => finish(err),
    );
  });
}
