// Watches over HTTP: 200 with chunked newline-delimited `{"type","object"}` events, headers
// flushed at once. resourceVersion absent or "0": a synthetic ADDED for each current object first;
// N: the changes after N; a compacted N: one ERROR event carrying the 410 Status. BOOKMARKs when
// allowWatchBookmarks. The watch ends after timeoutSeconds (default: 30-60 minutes, as
// Kubernetes' --min-request-timeout spreads them) or when the client goes away.

import type { ServerResponse } from 'node:http';
import { ApiError, isGone, type KubeObject } from '@skiff/api';
import type { ApiserverMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ActiveWatch } from '../registry/resource-watch.js';
import type { TableConverter, TableRequest } from './extensions.js';

const MIN_REQUEST_TIMEOUT_S = 1800;

/** An event on the wire: the registry's, or ERROR with a Status. */
interface WireEvent {
  type: string;
  object: unknown;
}

export interface WatchRequest {
  resource: string;
  namespace: string;
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Set when each event's object should be a Table (Accept as=Table). */
  table?: { convert: TableConverter; req: TableRequest };
  /** The object on the wire in the watched version, for a converted view (events.k8s.io/v1 Events). */
  convert?: (obj: KubeObject) => unknown;
}

/** Runs the watch until it ends; rejects before anything was written when it cannot start (400 and such). */
export function serveWatch(registry: Registry, metrics: ApiserverMetrics, w: WatchRequest, res: ServerResponse): Promise<void> {
  const resource = registry.store(w.resource).info.resource;
  return new Promise<void>((resolve, reject) => {
    let active: ActiveWatch | undefined;
    let started = false;
    let ended = false;
    let first = true;
    let timer: NodeJS.Timeout | undefined;
    const start = (): void => {
      if (started) return;
      started = true;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      metrics.registeredWatchers.inc({ resource });
    };
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      active?.close();
      if (started) metrics.registeredWatchers.dec({ resource });
      if (!res.writableEnded) res.end();
      resolve();
    };
    const objectOf = (ev: WireEvent): unknown => {
      if (ev.type === 'ERROR') return ev.object;
      if (!w.table || ev.type === 'BOOKMARK') return w.convert ? w.convert(ev.object as KubeObject) : ev.object;
      const table = w.table.convert([ev.object as KubeObject], { ...w.table.req, noHeaders: !first });
      first = false;
      return table ?? ev.object;
    };
    const send = (ev: WireEvent): void => {
      if (ended) return;
      start();
      res.write(`${JSON.stringify({ type: ev.type, object: objectOf(ev) })}\n`);
    };
    const fail = (err: unknown): void => {
      if (ended) return;
      if (!started && !isGone(err)) {
        ended = true;
        clearTimeout(timer);
        active?.close();
        reject(err);
        return;
      }
      const status = err instanceof ApiError ? err.toStatus() : new ApiError('InternalError', String(err)).toStatus();
      send({ type: 'ERROR', object: status });
      end();
    };
    res.on('close', end);
    const timeoutS = w.timeoutSeconds ?? MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
    timer = setTimeout(end, timeoutS * 1000);
    registry
      .watch(
        w.resource,
        {
          ...(w.namespace ? { namespace: w.namespace } : {}),
          labelSelector: w.labelSelector,
          fieldSelector: w.fieldSelector,
          resourceVersion: w.resourceVersion,
          allowBookmarks: w.allowBookmarks,
        },
        { send, fail },
      )
      .then(
        (handle) => {
          active = handle;
          if (ended) handle.close();
          else start();
        },
        fail,
      );
  });
}
