// pods/exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io), bridged to the kubelet's gRPC
// `Kubelet.Exec` of the pod's node: stdin, resizes and the close of stdin one way, stdout and
// stderr the other, then the final Status on the error channel and a normal close, from which
// kubectl takes the command's exit code.

import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, type ExecInputMessage, type ExecOutputMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { WebSocket } from 'ws';
import { kubeletClient, type KubeletTarget } from '../../server/kubelet-target.js';
import { statusOf } from '../status.js';
import { Channel, exitStatus, frame, parseClientMessage, type ExecOptions } from './channel-protocol.js';

/** Output buffered towards a slow client before the kubelet stream is paused. */
const HIGH_WATER = 1 << 20;

export interface ExecSessionOptions {
  ws: WebSocket;
  protocol: string;
  target: KubeletTarget;
  options: ExecOptions;
  log: Logger;
}

/** Runs one exec over an accepted WebSocket until either side ends it. */
export function runExecSession(o: ExecSessionOptions): void {
  const { ws, target, options } = o;
  const client = kubeletClient(target.endpoint);
  const upstream = (client['Exec'] as () => grpc.ClientDuplexStream<Partial<ExecInputMessage>, ExecOutputMessage>).call(client);
  let done = false;
  let stdinClosed = false;

  const finish = (status: string | object | undefined): void => {
    if (done) return;
    done = true;
    if (status !== undefined && ws.readyState === ws.OPEN) ws.send(frame(Channel.ERROR, typeof status === 'string' ? status : JSON.stringify(status)));
    if (ws.readyState === ws.OPEN) ws.close(1000);
    upstream.cancel();
    client.close();
  };
  const send = (channel: number, data: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(frame(channel, data), () => {
      if (upstream.isPaused() && ws.bufferedAmount < HIGH_WATER) upstream.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) upstream.pause();
  };
  const closeStdin = (): void => {
    if (stdinClosed || done) return;
    stdinClosed = true;
    upstream.write({ stdin_close: true });
  };

  upstream.on('data', (out: ExecOutputMessage) => {
    if (done) return;
    if (out.output === 'stdout' && out.stdout) {
      if (options.stdout) send(Channel.STDOUT, out.stdout);
    } else if (out.output === 'stderr' && out.stderr) {
      if (options.stderr) send(Channel.STDERR, out.stderr);
      else if (options.tty && options.stdout) send(Channel.STDOUT, out.stderr);
    } else if (out.output === 'exit' && out.exit) {
      finish(out.exit.status_json || exitStatus(out.exit.exit_code));
    }
  });
  upstream.on('end', () => finish(undefined));
  upstream.on('error', (e: grpc.ServiceError) => {
    if (done) return;
    if (e.code !== grpc.status.CANCELLED) o.log.warn({ err: e.message, endpoint: target.endpoint }, 'kubelet exec stream failed');
    finish(statusOf(fromGrpcError(e, `kubelet ${target.endpoint}`)));
  });

  upstream.write({
    start: {
      namespace: target.pod.metadata.namespace ?? '',
      name: target.pod.metadata.name ?? '',
      container: target.container,
      command: options.command,
      stdin: options.stdin,
      tty: options.tty,
      pod_uid: target.pod.metadata.uid ?? '',
    },
  });

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (done || !isBinary) return;
    const m = parseClientMessage(data, o.protocol);
    if (m.kind === 'stdin') {
      if (options.stdin && !stdinClosed && m.data.length > 0) upstream.write({ stdin: m.data });
    } else if (m.kind === 'resize') {
      if (options.tty) upstream.write({ resize: { width: m.width, height: m.height } });
    } else if (m.kind === 'close' && m.channel === Channel.STDIN) {
      closeStdin();
    }
  });
  ws.on('close', () => {
    if (done) return;
    done = true;
    upstream.cancel();
    client.close();
  });
  ws.on('error', (e: Error) => o.log.debug({ err: e.message }, 'exec websocket failed'));
}
