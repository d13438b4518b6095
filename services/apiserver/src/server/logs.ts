// The pods/log subresource: find the pod's node, ask that node's kubelet (its gRPC Kubelet
// service at the node's InternalIP and kubelet port) and relay the chunks. Cancelling the client
// call cancels the kubelet call.

import * as grpc from '@grpc/grpc-js';
import { errors, type Node, type Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, fromGrpcError, loadSkiffProto, toGrpcError } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Registry } from '../registry/registry.js';

export interface LogRequest {
  namespace: string;
  name: string;
  container: string;
  follow: boolean;
  tail_lines: number;
  previous: boolean;
  timestamps: boolean;
}

interface Chunk {
  data: Buffer;
}

/** Resolves which container and which kubelet endpoint a log request goes to. */
export async function resolveLogTarget(registry: Registry, req: LogRequest): Promise<{ pod: Pod; container: string; endpoint: string }> {
  const namespace = req.namespace || 'default';
  const pod = (await registry.store('pods').get(namespace, req.name)) as Pod;
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  let container = req.container;
  if (!container) {
    if (names.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${req.name}, choose one of: [${names.join(' ')}]`);
    }
    container = names[0] ?? '';
  } else if (!names.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${req.name}`);
  }
  const nodeName = pod.spec.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${req.name} does not have a host assigned`);
  const node = (await registry.store('nodes').get('', nodeName)) as Node;
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) throw errors.unavailable(`node ${nodeName} does not report a kubelet endpoint (InternalIP and daemonEndpoints.kubeletEndpoint.Port)`);
  return { pod, container, endpoint: ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}` };
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
    resolveLogTarget(registry, call.request).then(
      ({ pod, container, endpoint }) => {
        if (call.cancelled) return finish();
        const { Kubelet } = loadSkiffProto();
        const client = new Kubelet(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
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
