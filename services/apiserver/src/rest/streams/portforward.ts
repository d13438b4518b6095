// pods/portforward over SPDY/3.1 (portforward.k8s.io), either straight on the upgraded connection
// or tunnelled in WebSocket binary messages (`SPDY/3.1+portforward.k8s.io`, what kubectl 1.32
// tries first). Per forwarded connection kubectl opens two streams with the headers
// `streamtype: error|data`, `port` and `requestid`; once both are there the apiserver opens a
// `Kubelet.PortForward` call to the pod's node and relays the data stream through it. A failure is
// written on the error stream (kubectl prints it and stops); the error stream is closed when the
// connection is over, which kubectl waits for.

import * as grpc from '@grpc/grpc-js';
import type { Pod } from '@skiff/api';
import type { PortForwardInputMessage, PortForwardOutputMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Duplex } from 'node:stream';
import { kubeletClient } from '../../server/kubelet-target.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of SPDY tunnelled in WebSocket (client-go's tunneling dialer). */
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORTFORWARD_PROTOCOL}`;
/** How long the second stream of a pair may take (Kubernetes' stream creation timeout). */
export const STREAM_PAIR_TIMEOUT_MS = 30_000;

interface StreamPair {
  requestId: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
}

export interface PortForwardSessionOptions {
  /** The connection carrying SPDY frames. */
  transport: Duplex;
  pod: Pod;
  /** `host:port` of the kubelet of the pod's node. */
  endpoint: string;
  log: Logger;
  pairTimeoutMs?: number;
}

/** The request a stream belongs to: its `requestid`, or (older clients) derived from the stream id. */
function requestIdOf(s: SpdyStream): string {
  const id = s.headers['requestid'];
  if (id !== undefined && id !== '') return id;
  return String(s.headers['streamtype'] === 'data' ? s.id - 2 : s.id);
}

/** Serves port forwarding on one connection until it closes. */
export function runPortForwardSession(o: PortForwardSessionOptions): SpdySession {
  const pairs = new Map<string, StreamPair>();
  const calls = new Set<grpc.ClientDuplexStream<Partial<PortForwardInputMessage>, PortForwardOutputMessage>>();
  let client: ReturnType<typeof kubeletClient> | undefined;
  const podName = o.pod.metadata.name ?? '';
  const log = o.log.child({ pod: `${o.pod.metadata.namespace ?? ''}/${podName}` });

  const session = new SpdySession(o.transport, {
    onStream: (s) => accept(s),
    onError: (e) => log.debug({ err: e.message }, 'port forward connection failed'),
  });
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
    for (const c of calls) c.cancel();
    client?.close();
  });

  const accept = (s: SpdyStream): void => {
    const type = s.headers['streamtype'];
    if (type !== 'error' && type !== 'data') {
      log.debug({ streamtype: type }, 'unknown port forward stream type');
      s.reset();
      return;
    }
    const requestId = requestIdOf(s);
    let pair = pairs.get(requestId);
    if (!pair) {
      pair = { requestId };
      pairs.set(requestId, pair);
      const p = pair;
      p.timer = setTimeout(() => {
        pairs.delete(requestId);
        p.error?.end(Buffer.from(`timed out waiting for the ${p.error ? 'data' : 'error'} stream of request ${requestId}`));
        p.data?.reset();
      }, o.pairTimeoutMs ?? STREAM_PAIR_TIMEOUT_MS);
      p.timer.unref();
    }
    if (pair[type]) {
      s.reset();
      return;
    }
    pair[type] = s;
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.error, pair.data);
    }
  };

  const forward = (errorStream: SpdyStream, dataStream: SpdyStream): void => {
    const portText = dataStream.headers['port'] ?? '';
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      errorStream.end(Buffer.from(`invalid port ${JSON.stringify(portText)}: it must be a number between 1 and 65535`));
      dataStream.reset();
      return;
    }
    client ??= kubeletClient(o.endpoint);
    const kubelet = client;
    const call = (kubelet['PortForward'] as () => grpc.ClientDuplexStream<Partial<PortForwardInputMessage>, PortForwardOutputMessage>).call(kubelet);
    calls.add(call);
    let over = false;
    const done = (error?: string): void => {
      if (over) return;
      over = true;
      calls.delete(call);
      if (error !== undefined) errorStream.end(Buffer.from(error));
      else errorStream.end();
      dataStream.end();
    };
    call.write({ start: { namespace: o.pod.metadata.namespace ?? '', name: podName, pod_uid: o.pod.metadata.uid ?? '', port } });
    call.on('data', (m: PortForwardOutputMessage) => {
      if (over) return;
      if (m.output === 'data' && m.data) {
        if (!dataStream.write(m.data)) {
          call.pause();
          session.once('drain', () => call.resume());
        }
      } else if (m.output === 'error') {
        done(m.error ?? 'port forward failed');
        call.cancel();
      }
    });
    call.on('end', () => done());
    call.on('error', (e: grpc.ServiceError) => {
      if (over || e.code === grpc.status.CANCELLED) return done();
      log.warn({ err: e.message, endpoint: o.endpoint }, 'kubelet port forward failed');
      done(`error forwarding port ${port} to pod ${podName}, uid ${o.pod.metadata.uid ?? ''}: ${e.details || e.message}`);
    });
    dataStream.on('data', (b: Buffer) => {
      if (!over) call.write({ data: b });
    });
    dataStream.on('end', () => {
      if (!over) call.end();
    });
    // kubectl resets the data stream once the pod side is done, or when its user went away.
    dataStream.on('reset', () => {
      if (over) return;
      over = true;
      calls.delete(call);
      call.cancel();
      errorStream.end();
    });
    errorStream.on('reset', () => {
      if (!over) call.cancel();
    });
  };

  return session;
}
