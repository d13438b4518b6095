// Pod startup benchmark (`npm run bench`). Starts its own local cluster (`skiff up`, 2 nodes) and
// prints:
//   - pod startup latency: from the create call to the pod seen Running (every container running)
//     through a watch, for N pods created one at a time (the SLO's measure) and for N created at
//     once (burst); p50, p99, max;
//   - the engine's own baseline measured in the same run: dockerode create+start of one container
//     of the same image and command, N times one at a time; and the ratios pod/engine;
//   - the idle resident memory (VmRSS) of every component process once the pods are gone.
// Figures only: it asserts nothing about durations. Cleans up its pods, containers and cluster.
//
// Usage: node bench/dist/pod-startup.js [--pods N] [--no-burst]

import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import os from 'node:os';
import type Docker from 'dockerode';
import type { Pod } from '@skiff/api';
import { podRunning, waitFor, type Cluster } from '@skiff/e2e/harness';
import { rssKiB } from '@skiff/e2e/procs';
import { machineLine, runBenchmark, say } from './bench-main.js';
import { ms, ratio, summarize, table, type Summary } from './stats.js';

const IMAGE = 'skiff/busybox:latest';
// Exits at once on SIGTERM (a bare `sleep` as PID 1 would ignore it and wait out the grace period).
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];
const NS = 'default';

const { values: flags } = parseArgs({
  options: { pods: { type: 'string', default: '30' }, 'no-burst': { type: 'boolean', default: false } },
});
const N = Number(flags.pods);
if (!Number.isInteger(N) || N < 1) {
  process.stderr.write(`--pods must be a positive integer, got ${flags.pods ?? ''}\n`);
  process.exit(2);
}
const RUN = crypto.randomBytes(3).toString('hex');

function podManifest(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { 'skiff.io/bench': RUN } },
    spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: IMAGE, command: COMMAND }] },
  };
}

/**
 * One watch over the run's pods; `runningAt(name)` resolves with the wall-clock time the watch
 * delivered the event that shows the pod Running.
 */
class RunningWatcher {
  private readonly waiters = new Map<string, (t: number) => void>();
  private readonly seen = new Map<string, number>();
  private closed = false;
  private stream: { close(): void } | undefined;

  constructor(private readonly cluster: Cluster) {}

  async start(): Promise<void> {
    const list = await this.cluster.client.list<Pod>('pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` });
    void this.loop(list.metadata.resourceVersion ?? '');
  }

  private async loop(fromRv: string): Promise<void> {
    let rv = fromRv;
    while (!this.closed) {
      const w = this.cluster.client.watch<Pod>('pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}`, resourceVersion: rv });
      this.stream = w;
      try {
        for await (const ev of w) {
          const t = performance.now();
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK' || ev.type === 'DELETED') continue;
          if (podRunning(ev.object)) this.mark(ev.object.metadata.name ?? '', t);
        }
      } catch (e) {
        if (!this.closed) say(`watch ended (${e instanceof Error ? e.message : String(e)}); watching again from ${rv}`);
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private mark(name: string, t: number): void {
    if (this.seen.has(name)) return;
    this.seen.set(name, t);
    this.waiters.get(name)?.(t);
    this.waiters.delete(name);
  }

  runningAt(name: string, timeoutMs = 120_000): Promise<number> {
    const t = this.seen.get(name);
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${name} not Running after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(name, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
  }
}

async function createAndTime(cluster: Cluster, watcher: RunningWatcher, name: string): Promise<number> {
  const t0 = performance.now();
  await cluster.client.create('pods', podManifest(name));
  return (await watcher.runningAt(name)) - t0;
}

async function deleteRunPods(cluster: Cluster): Promise<void> {
  const pods = await cluster.client.list<Pod>('pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` });
  await Promise.all(pods.items.map((p) => cluster.client.delete('pods', NS, p.metadata.name ?? '').catch(() => undefined)));
  await waitFor(async () => (await cluster.client.list('pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` })).items.length === 0, {
    timeoutMs: 120_000,
    what: 'the benchmark pods to be deleted',
  });
  await waitFor(async () => (await cluster.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } })).length === 0, {
    timeoutMs: 60_000,
    what: "the benchmark pods' containers to be removed",
  });
}

/**
 * The engine baseline: create+start of one container of the same image and command through
 * dockerode (what the kubelet does twice per pod: infra and app container). The containers stay
 * running until `removeAll`, as the pods do, so both are measured against the same engine load.
 */
class EngineBaseline {
  private i = 0;
  constructor(private readonly docker: Docker) {}

  async sample(): Promise<number> {
    const t0 = performance.now();
    const ctr = await this.docker.createContainer({
      Image: IMAGE,
      Cmd: COMMAND,
      name: `skiff-bench-${RUN}-${this.i++}`,
      Labels: { 'skiff.io/bench-baseline': RUN },
    });
    await ctr.start();
    return performance.now() - t0;
  }

  async removeAll(): Promise<void> {
    const made = await this.docker.listContainers({ all: true, filters: { label: [`skiff.io/bench-baseline=${RUN}`] } });
    await Promise.all(made.map((x) => this.docker.getContainer(x.Id).remove({ force: true }).catch(() => undefined)));
  }
}

function rssRows(cluster: Cluster): string[][] {
  return cluster.processes().map((p) => {
    const kib = rssKiB(p.pid);
    return [p.name, String(p.pid), kib === undefined ? 'gone' : `${(kib / 1024).toFixed(1)} MiB`];
  });
}

async function main(cluster: Cluster): Promise<void> {
  const watcher = new RunningWatcher(cluster);
  const baseline = new EngineBaseline(cluster.docker);
  try {
    await cluster.docker.getImage(IMAGE).inspect().catch(() => {
      throw new Error(`${IMAGE} is not on this machine: run scripts/build-images.sh`);
    });
    const rssAfterUp = rssRows(cluster);
    const loadAtStart = os.loadavg()[0] ?? Number.NaN;

    await watcher.start();
    // Interleaved, so background load on the machine weighs on both series alike.
    say(`sequential: ${N} pods one at a time, each after one dockerode create+start of ${IMAGE}`);
    const seq: number[] = [];
    const engine: number[] = [];
    try {
      for (let i = 0; i < N; i++) {
        engine.push(await baseline.sample());
        seq.push(await createAndTime(cluster, watcher, `bench-${RUN}-s${i}`));
      }
    } finally {
      await baseline.removeAll();
    }
    const placed = (await cluster.client.list<Pod>('pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` })).items;
    const perNode = cluster.nodes.map((n) => `${n}=${placed.filter((p) => p.spec.nodeName === n).length}`).join(', ');
    await deleteRunPods(cluster);

    let burst: number[] = [];
    let burstWallMs = Number.NaN;
    if (!flags['no-burst']) {
      say(`burst: ${N} pods at once`);
      const t0 = performance.now();
      burst = await Promise.all(Array.from({ length: N }, (_, i) => createAndTime(cluster, watcher, `bench-${RUN}-b${i}`)));
      burstWallMs = performance.now() - t0;
      await deleteRunPods(cluster);
    }
    watcher.close();

    // Idle: the pods are gone; give the components a moment to finish their work on the deletions.
    await new Promise((r) => setTimeout(r, 3000));
    const rssIdle = rssRows(cluster);

    const s = summarize(seq);
    const e = summarize(engine);
    const rows = (label: string, x: Summary): string[] => [label, String(x.n), ms(x.p50), ms(x.p99), ms(x.max), ms(x.mean)];
    const out: string[] = [];
    out.push(`Skiff pod startup benchmark, ${new Date().toISOString()}`);
    out.push(machineLine());
    out.push(`load average (1 min): ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? Number.NaN).toFixed(2)} at end (other work on the machine skews the tail)`);
    out.push(`cluster: ${cluster.name}, nodes ${cluster.nodes.join(', ')}; sequential pods per node: ${perNode}`);
    out.push('');
    out.push('Pod startup: create call → Running seen through a watch');
    const latencyRows = [rows('pod, sequential', s), rows('engine create+start (dockerode)', e)];
    if (burst.length > 0) latencyRows.push(rows(`pod, burst of ${N}`, summarize(burst)));
    out.push(table(['', 'n', 'p50', 'p99', 'max', 'mean'], latencyRows));
    if (burst.length > 0) out.push(`burst: all ${N} Running after ${ms(burstWallMs)} (${(N / (burstWallMs / 1000)).toFixed(1)} pods/s)`);
    out.push('');
    out.push(table(['ratio pod/engine', 'value', 'target'], [
      ['p50/p50', ratio(s.p50, e.p50), ''],
      ['p99/p99', ratio(s.p99, e.p99), '≤ 2'],
    ]));
    out.push(`pod startup p99 ${ms(s.p99)} (target ≤ 1000 ms): ${s.p99 <= 1000 ? 'met' : 'NOT met'}; ratio p99/p99 ${ratio(s.p99, e.p99)} (target ≤ 2): ${s.p99 / e.p99 <= 2 ? 'met' : 'NOT met'}`);
    out.push('');
    out.push('Component memory (VmRSS)');
    out.push(
      table(
        ['component', 'pid', 'after up', 'idle after pods'],
        rssIdle.map((r, i) => [r[0] ?? '', r[1] ?? '', rssAfterUp[i]?.[2] ?? '-', r[2] ?? '']),
      ),
    );
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    watcher.close();
    await baseline.removeAll();
  }
}

runBenchmark({ prefix: 'bench', nodes: 2 }, main);
