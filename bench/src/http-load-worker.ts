// The child process behind runLoad (http-load.ts): one bounded run, its summary as JSON on stdout.
// Keep-alive on: autocannon (its own HTTP/1.1 client, far cheaper per request than Node's).
// Keep-alive off: `connections` loops of node:http requests, each on a new connection
// (agent: false), timed one by one: autocannon reconnects after `Connection: close` but its
// latency figures then count the reconnection waits (p50 in the hundreds of ms for a 1 ms
// request), so they are not used for that mode.

import http from 'node:http';
import autocannon from 'autocannon';
import type { LoadOptions, LoadResult } from './http-load.js';

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function withAutocannon(opts: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationSeconds ?? 5 }),
    ...(opts.workers !== undefined && { workers: opts.workers }),
    timeout: 10,
  });
  // autocannon's own measure of the run (seconds), without process start-up.
  const seconds = result.duration;
  return {
    requests: result.requests.total,
    seconds,
    rps: result.requests.total / Math.max(seconds, 1e-9),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}

async function withNewConnections(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let sent = 0;
  const start = performance.now();
  const deadline = start + (opts.durationSeconds ?? 5) * 1000;
  const more = (): boolean => (opts.amount !== undefined ? sent < opts.amount : performance.now() < deadline);
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t = performance.now();
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false, timeout: 10_000 }, (res) => {
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx++;
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t);
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.on('timeout', () => {
        timeouts++;
        req.destroy();
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: opts.connections }, async () => {
      while (more()) {
        sent++;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, seconds, rps: latencies.length / seconds, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99), errors, timeouts, non2xx };
}

const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const out = opts.keepAlive ? await withAutocannon(opts) : await withNewConnections(opts);
process.stdout.write(JSON.stringify(out));
