// GET pods/<name>/log: the container's log from its node's kubelet (the same path as the gRPC
// Logs call, server/logs.ts), as chunked text/plain. Options as PodLogOptions: container, follow,
// tailLines, timestamps, previous, limitBytes, sinceSeconds, sinceTime (at most one of the two). The answer starts once the kubelet has answered
// (or after a second of a quiet follow), so early failures are still a Status.

import type { IncomingMessage, ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { errors } from '@skiff/api';
import { fromGrpcError, type LogChunkMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Registry } from '../registry/registry.js';
import { badSinceTime, openContainerLogs, parseRFC3339, validateLogSince } from '../server/logs.js';

const QUIET_START_MS = 1_000;

function boolParam(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw errors.badRequest(`${key}: invalid value "${v}": must be true or false`);
}

function intParam(q: URLSearchParams, key: string, min: number): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw errors.invalid('PodLogOptions', '', [{ type: 'FieldValueInvalid', field: key, message: `Invalid value: ${v}: must be greater than or equal to ${min}` }]);
  return Number(v);
}

/** sinceSeconds/sinceTime as the query decodes them: a malformed value is a 400 (as Kubernetes'
 *  parameter decoding), a wrong one a 422 Invalid (ValidatePodLogOptions). */
function sinceParams(q: URLSearchParams, name: string): { sinceSeconds?: number; sinceTime?: string } {
  const rawSeconds = q.get('sinceSeconds');
  const rawTime = q.get('sinceTime');
  const out: { sinceSeconds?: number; sinceTime?: string } = {};
  if (rawSeconds !== null && rawSeconds !== '') {
    if (!/^[+-]?\d+$/.test(rawSeconds)) throw errors.badRequest(`strconv.ParseInt: parsing "${rawSeconds}": invalid syntax`);
    out.sinceSeconds = Number(rawSeconds);
  }
  if (rawTime !== null && rawTime !== '') {
    if (parseRFC3339(rawTime) === undefined) throw badSinceTime(rawTime);
    out.sinceTime = rawTime;
  }
  validateLogSince(name, out);
  return out;
}

export interface LogResult {
  /** The HTTP code the request ended with, for metrics. */
  code: number;
}

/** Streams the log; rejects (before anything was written) with the ApiError to answer. */
export async function serveLog(registry: Registry, namespace: string, name: string, q: URLSearchParams, res: ServerResponse, log: Logger): Promise<LogResult> {
  const { sinceSeconds, sinceTime } = sinceParams(q, name);
  const tailLines = intParam(q, 'tailLines', 0);
  const limitBytes = intParam(q, 'limitBytes', 1);
  const stream = await openContainerLogs(registry, {
    namespace,
    name,
    container: q.get('container') ?? '',
    follow: boolParam(q, 'follow'),
    tail_lines: tailLines ?? -1,
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
    since_seconds: sinceSeconds ?? 0,
    since_time: sinceTime ?? '',
  });
  const { upstream } = stream;
  return new Promise<LogResult>((resolve, reject) => {
    let started = false;
    let finished = false;
    let sent = 0;
    const start = (): void => {
      if (started || finished) return;
      started = true;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
    };
    const timer = setTimeout(start, QUIET_START_MS);
    const finish = (err?: unknown): void => {
      if (finished) return;
      clearTimeout(timer);
      if (err !== undefined && !started) {
        finished = true;
        stream.close();
        reject(err);
        return;
      }
      start();
      finished = true;
      stream.close();
      res.end();
      resolve({ code: 200 });
    };
    const gone = (): void => {
      if (finished) return;
      upstream.cancel();
      finish();
    };
    // The client may have gone while the kubelet was being reached.
    if (res.destroyed) return gone();
    res.on('close', gone);
    upstream.on('data', (chunk: LogChunkMessage) => {
      start();
      let data = chunk.data;
      if (limitBytes !== undefined && sent + data.length > limitBytes) data = data.subarray(0, limitBytes - sent);
      sent += data.length;
      if (!res.write(data)) {
        upstream.pause();
        res.once('drain', () => upstream.resume());
      }
      if (limitBytes !== undefined && sent >= limitBytes) {
        upstream.cancel();
        finish();
      }
    });
    upstream.on('end', () => finish());
    upstream.on('error', (e: grpc.ServiceError) => {
      if (e.code === grpc.status.CANCELLED) return finish();
      log.warn({ err: e.message, endpoint: stream.endpoint }, 'kubelet log stream failed');
      finish(fromGrpcError(e, `kubelet ${stream.endpoint}`));
    });
  });
}
