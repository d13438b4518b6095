// The HTTP load of the network benchmark, reusable by any row that measures a path to a pod
// (direct, ClusterIP through kube-proxy, Ingress): `runLoad` sends a bounded load (a fixed
// duration, or a fixed number of requests) from a child process of its own (http-load-worker.ts:
// autocannon with keep-alive, node:http with a new connection per request without), so the
// generator never shares an event loop with a proxy running in the benchmark's process, and
// returns requests/s and latency percentiles. Load goes only where the caller points it: callers
// pass loopback addresses, their own containers' IPs or their own guarded service range.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile, ratio } from './stats.js';

export interface LoadOptions {
  url: string;
  /** Concurrent connections (autocannon -c). */
  connections: number;
  /** Run for this long... */
  durationSeconds?: number;
  /** ...or until this many requests were answered. */
  amount?: number;
  /** false: every request on a new connection (`Connection: close`). */
  keepAlive: boolean;
  /** autocannon worker threads (default: none, one thread). */
  workers?: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

const WORKER = fileURLToPath(new URL('./http-load-worker.js', import.meta.url));

export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${out.slice(0, 200)} ${err.slice(0, 200)}`));
      }
    });
  });
}

/** One path to measure: a name for the table and the URL the load goes to. */
export interface LoadRow {
  name: string;
  url: string;
}

export interface CompareOptions {
  rounds: number;
  connections: number;
  durationSeconds: number;
  /** One pass of rounds per mode: false = a new connection per request, true = keep-alive. */
  keepAlive: readonly boolean[];
  log: (line: string) => void;
}

/**
 * Sends the same load to every row in interleaved rounds (each run after 1 s of warm-up) and
 * returns table cells per keep-alive mode and row: path, keep-alive, req/s and p99 of the median
 * round, and both as a ratio to the first row's: the median over rounds of each round's ratio
 * (paired within a round, so that background load drifting between rounds cancels out).
 */
export async function compareRows(rows: readonly LoadRow[], opts: CompareOptions): Promise<string[][]> {
  const out: string[][] = [];
  for (const keepAlive of opts.keepAlive) {
    const results = new Map<string, LoadResult[]>(rows.map((r) => [r.name, []]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const row of rows) {
        await runLoad({ url: row.url, connections: opts.connections, durationSeconds: 1, keepAlive });
        const r = await runLoad({ url: row.url, connections: opts.connections, durationSeconds: opts.durationSeconds, keepAlive });
        if (r.errors + r.timeouts + r.non2xx > 0) opts.log(`${row.name}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
        opts.log(`round ${round} keep-alive ${keepAlive ? 'on' : 'off'}: ${row.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms} ms`);
        results.get(row.name)?.push(r);
      }
    }
    const median = (name: string, f: (r: LoadResult) => number): number => percentile((results.get(name) ?? []).map(f), 50);
    const base = results.get(rows[0]?.name ?? '') ?? [];
    const pairedRatio = (name: string, f: (r: LoadResult) => number): number =>
      percentile((results.get(name) ?? []).map((r, i) => f(r) / f(base[i] as LoadResult)).filter(Number.isFinite), 50);
    for (const row of rows) {
      const rps = median(row.name, (r) => r.rps);
      const p99 = median(row.name, (r) => r.p99Ms);
      out.push([row.name, keepAlive ? 'on' : 'off', rps.toFixed(0), `${p99.toFixed(0)} ms`, ratio(pairedRatio(row.name, (r) => r.rps), 1), ratio(pairedRatio(row.name, (r) => r.p99Ms), 1)]);
    }
  }
  return out;
}
