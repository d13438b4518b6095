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
    const req = call.request;
    resolveKubeletTarget(registry, req.namespace, req.name, req.container).then(
      ({ pod, container, endpoint }) => {
        if (call.cancelled) return finish();
        const client = kubeletClient(endpoint);
        const upstream = (client['ContainerLogs'] as (req: unknown) => grpc.ClientReadableStream<Chunk>).call(client, {
          pod_uid: pod.metadata.uid ?? '',
          namespace: pod.metadata.namespace ?? '',
          name: pod.metadata.name ?? '',
          container,
          follow: call.request.follow,
          tail_lines: call.request.tail_lines,
          previous: call.request.previous,
          timestamps: call.request.timestamps,
        });
        const done = (err?: unknown): void => {
          client.close();
          finish(err);
        };
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
