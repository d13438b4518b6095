// The kubelet's gRPC `skiff.v1.Kubelet/PortForward` (what Kubernetes' kubelet serves on
// /portForward): one call per forwarded TCP connection. The first message names the pod (and its
// uid, set by the apiserver) and the port; the kubelet connects to the pod's IP on that port and
// relays bytes both ways: `data` in, `data` out. A `close` message or a half-close of the call
// ends the bytes to the pod (the socket is half-closed), the pod closing its side ends the call.
// When the connection cannot be made or fails, the last message is `error` with Kubernetes' text
// (`error forwarding port P to pod NAME, uid UID: ...`).
//
// Kubernetes reaches the port inside the pod's network namespace (so ports bound to the pod's
// 127.0.0.1 work too); Skiff connects to the pod IP from the host, where pod IPs are routable.

import { connect, type Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { Pod } from '@skiff/api';
import type { PortForwardInputMessage, PortForwardOutputMessage, PortForwardStartMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';

export interface PortForwardServerOptions {
  /** A pod bound to this node, from the kubelet's cache. */
  getPod(namespace: string, name: string): Readonly<Pod> | undefined;
  log: Logger;
  /** Opens the TCP connection (tests); default net.connect. */
  dial?: (host: string, port: number) => Socket;
}

/** Where the connection goes, or why it cannot be made. */
export function portForwardTarget(pod: Readonly<Pod> | undefined, start: PortForwardStartMessage): { host: string } | { error: string } {
  const prefix = `error forwarding port ${start.port} to pod ${start.name}, uid ${start.pod_uid || pod?.metadata.uid || ''}`;
  if (!pod || (start.pod_uid !== '' && pod.metadata.uid !== start.pod_uid)) return { error: `${prefix}: pod not found ("${start.name}_${start.namespace || 'default'}")` };
  if (!Number.isInteger(start.port) || start.port < 1 || start.port > 65535) return { error: `${prefix}: invalid port ${start.port}` };
  const host = pod.status?.podIP;
  if (!host) return { error: `${prefix}: the pod has no IP address yet` };
  return { host };
}

export function portForwardHandler(o: PortForwardServerOptions): grpc.handleBidiStreamingCall<PortForwardInputMessage, PortForwardOutputMessage> {
  const dial = o.dial ?? ((host: string, port: number) => connect({ host, port }));
  return (call) => {
    let socket: Socket | undefined;
    let start: PortForwardStartMessage | undefined;
    let finished = false;
    let inputEnded = false;
    const early: Buffer[] = [];

    const finish = (error?: string): void => {
      if (finished) return;
      finished = true;
      socket?.destroy();
      if (call.cancelled) return;
      if (error !== undefined) call.write({ error });
      call.end();
    };
    const endInput = (): void => {
      if (inputEnded) return;
      inputEnded = true;
      // Still connecting: the connect handler writes what came early, then ends.
      if (socket && !socket.connecting) socket.end();
    };

    const begin = (s: PortForwardStartMessage): void => {
      const target = portForwardTarget(o.getPod(s.namespace || 'default', s.name), s);
      if ('error' in target) return finish(target.error);
      const prefix = `error forwarding port ${s.port} to pod ${s.name}, uid ${s.pod_uid}`;
      const sock = dial(target.host, s.port);
      socket = sock;
      sock.on('connect', () => {
        for (const b of early.splice(0)) sock.write(b);
        if (inputEnded) sock.end();
      });
      sock.on('data', (b: Buffer) => {
        if (finished) return;
        if (!call.write({ data: b })) {
          sock.pause();
          call.once('drain', () => sock.resume());
        }
      });
      sock.on('end', () => finish());
      sock.on('error', (e: Error) => {
        o.log.debug({ pod: `${s.namespace}/${s.name}`, port: s.port, err: e.message }, 'port forward failed');
        finish(`${prefix}: ${e.message}`);
      });
      sock.on('close', () => finish());
    };

    call.on('data', (m: PortForwardInputMessage) => {
      if (finished) return;
      if (!start) {
        if (m.input !== 'start' || !m.start) return finish('the first message of a port forward must be start');
        start = m.start;
        begin(start);
        return;
      }
      if (m.input === 'data' && m.data && m.data.length > 0) {
        if (socket && !socket.connecting) {
          if (!socket.write(m.data)) {
            call.pause();
            socket.once('drain', () => call.resume());
          }
        } else early.push(m.data);
      } else if (m.input === 'close') endInput();
    });
    call.on('end', () => {
      if (!start) finish('the first message of a port forward must be start');
      else endInput();
    });
    call.on('cancelled', () => {
      finished = true;
      socket?.destroy();
    });
    call.on('error', () => {
      finished = true;
      socket?.destroy();
    });
  };
}
