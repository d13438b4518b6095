// A steady HTTP client for the zero-downtime test: one loop per target, each request on a new
// connection (no keep-alive, so every request goes through the Service's or the ingress's choice of
// backend again), sequential with a short pause, each bounded by a timeout; the whole run bounded in
// time and in count. It records every outcome with its time, so a failure can be set against what
// the cluster did at that moment (pods deleted, endpoints changed).

import { httpGet } from './http-get.js';
import { versionOf } from './pod-http.js';

export interface LoadEndpoint {
  host: string;
  port: number;
  path: string;
}

export interface LoadTarget {
  name: string;
  /** Requests rotate over these (e.g. the NodePort on each node address). */
  endpoints: LoadEndpoint[];
}

export interface Sample {
  target: string;
  endpoint: string;
  /** ms since the client was made. */
  at: number;
  durationMs: number;
  ok: boolean;
  status: number | undefined;
  version: string | undefined;
  error: string | undefined;
}

export interface LoadOptions {
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Pause between two requests of one target. Default 10 ms. */
  pauseMs?: number;
  /** Hard bounds: a target stops at either. */
  maxRequestsPerTarget: number;
  maxDurationMs: number;
  /** Addresses the client may send to besides loopback (local addresses of this host). */
  allowedCidrs?: string[];
}

export interface TargetStats {
  target: string;
  total: number;
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
  /** Requests per second over the run. */
  rate: number;
  maxLatencyMs: number;
}

export class LoadClient {
  readonly samples: Sample[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  /** The client's clock starts when it is made, so events recorded before start() sort before the first request. */
  private readonly startMs = performance.now();

  constructor(
    private readonly targets: readonly LoadTarget[],
    private readonly opts: LoadOptions,
  ) {}

  start(): void {
    this.loops = this.targets.map((t) => this.loop(t));
  }

  /** ms since the client was made. */
  now(): number {
    return performance.now() - this.startMs;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Resolves when every loop has ended by itself (bounds reached). */
  finished(): Promise<void> {
    return Promise.all(this.loops).then(() => undefined);
  }

  of(target: string): Sample[] {
    return this.samples.filter((s) => s.target === target);
  }

  stats(target: string): TargetStats {
    const s = this.of(target);
    const byVersion: Record<string, number> = {};
    for (const x of s) if (x.ok) byVersion[x.version ?? '?'] = (byVersion[x.version ?? '?'] ?? 0) + 1;
    const span = s.length > 1 ? ((s.at(-1)?.at ?? 0) - (s[0]?.at ?? 0)) / 1000 : 0;
    return {
      target,
      total: s.length,
      ok: s.filter((x) => x.ok).length,
      failed: s.filter((x) => !x.ok).length,
      byVersion,
      rate: span > 0 ? Math.round((s.length / span) * 10) / 10 : 0,
      maxLatencyMs: Math.round(Math.max(0, ...s.map((x) => x.durationMs))),
    };
  }

  /** True when the target's last `n` samples all succeeded with `version`. */
  lastAre(target: string, n: number, version: string): boolean {
    const s = this.of(target).slice(-n);
    return s.length === n && s.every((x) => x.ok && x.version === version);
  }

  private async loop(t: LoadTarget): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const pause = this.opts.pauseMs ?? 10;
    for (let i = 0; !this.stopped && i < this.opts.maxRequestsPerTarget && this.now() < this.opts.maxDurationMs; i++) {
      const ep = t.endpoints[i % t.endpoints.length];
      if (!ep) return;
      const at = this.now();
      const endpoint = `${ep.host}:${ep.port}${ep.path}`;
      try {
        const r = await httpGet(ep.host, ep.port, ep.path, { timeoutMs, allowedCidrs: this.opts.allowedCidrs ?? [] });
        const version = versionOf(r.body);
        const ok = r.status === 200 && version !== undefined;
        this.samples.push({ target: t.name, endpoint, at, durationMs: this.now() - at, ok, status: r.status, version, error: ok ? undefined : `HTTP ${r.status} ${JSON.stringify(r.body.slice(0, 120))}` });
      } catch (e) {
        this.samples.push({ target: t.name, endpoint, at, durationMs: this.now() - at, ok: false, status: undefined, version: undefined, error: e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() : String(e) });
      }
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  }
}
