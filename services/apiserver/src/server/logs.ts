// The pods/log subresource: find the pod's node, ask that node's kubelet (kubelet-target.ts) and
// relay the chunks. Cancelling the client call cancels the kubelet call.

import * as grpc from '@grpc/grpc-js';
import { errors, type FieldError } from '@skiff/api';
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

// RFC 3339 as Go's time.Parse(time.RFC3339, s) takes it (metav1.Time's query form): a date, `T`,
// a time with optional fractional seconds, and `Z` or a numeric offset.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/** Parses an RFC 3339 time to milliseconds since the epoch; undefined when it is not one. */
export function parseRFC3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate() || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Date.parse(s.toUpperCase());
  return Number.isNaN(ms) ? undefined : ms;
}

/** A malformed sinceTime: 400, worded as the decoding of metav1.Time words it. */
export function badSinceTime(value: string): Error {
  return errors.badRequest(`parsing time "${value}" as "2006-01-02T15:04:05Z07:00": cannot parse "${value}" as RFC 3339`);
}

/** Kubernetes' ValidatePodLogOptions for since: at most one of the two; sinceSeconds ≥ 1. */
export function validateLogSince(name: string, opts: { sinceSeconds?: number; sinceTime?: string }): void {
  const errs: FieldError[] = [];
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    errs.push({ type: 'FieldValueForbidden', field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', message: `Invalid value: ${opts.sinceSeconds}: must be greater than 0` });
  }
  if (errs.length > 0) throw errors.invalid('PodLogOptions', name, errs);
  if (opts.sinceTime !== undefined && parseRFC3339(opts.sinceTime) === undefined) throw badSinceTime(opts.sinceTime);
}

/** Finds the pod's kubelet (kubelet-target.ts) and opens its ContainerLogs stream. */
export async function openContainerLogs(registry: Registry, req: LogRequest): Promise<ContainerLogStream> {
  // Over gRPC 0 and '' mean "not set" (proto3 defaults); a negative sinceSeconds is refused.
  const sinceSeconds = req.since_seconds ?? 0;
  const sinceTime = req.since_time ?? '';
  validateLogSince(req.name, { ...(sinceSeconds !== 0 ? { sinceSeconds } : {}), ...(sinceTime !== '' ? { sinceTime } : {}) });
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
    since_seconds: sinceSeconds,
    since_time: sinceTime,
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
