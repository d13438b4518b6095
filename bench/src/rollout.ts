// Rollout benchmark (`npm run bench:rollout`). Starts its own local cluster (`skiff up`, 2 nodes)
// and, for each repetition:
//   - single-pod startup latency: a pod of the Deployment's v2 template created on its own, from the
//     create call to the pod seen Running (every container running) through a watch, a few times;
//   - a Deployment of N (default 10) skiff/demo-web:v1 replicas, rolled to v2 with maxSurge 25% and
//     maxUnavailable 25%: the time from the image update (one merge patch of the template) to the
//     watch event after which the Deployment's status shows updatedReplicas == availableReplicas ==
//     replicas == N for the new generation and no pod of the old template is left (old pods are
//     gone, not just terminating).
// It prints the rollout time, N × the single-pod median of the same run, and their ratio. Figures
// only: nothing is asserted about durations. Cleans up its pods, Deployments and cluster.
//
// Usage: node bench/dist/rollout.js [--replicas N] [--reps R] [--pods P] [--grace S]

import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Deployment, Pod } from '@skiff/api';
import { podRunning, waitFor, type Cluster } from '@skiff/e2e/harness';
import { WatchedSet } from '@skiff/e2e/watched-set';
import { machineLine, runBenchmark, say } from './bench-main.js';
import { ms, ratio, summarize, table } from './stats.js';

const V1 = 'skiff/demo-web:v1';
const V2 = 'skiff/demo-web:v2';
const NS = 'default';

const { values: flags } = parseArgs({
  options: {
    replicas: { type: 'string', default: '10' },
    reps: { type: 'string', default: '3' },
    pods: { type: 'string', default: '3' },
    grace: { type: 'string', default: '1' },
  },
});
const positive = (name: string, text: string | undefined, min = 1): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, got ${text ?? ''}\n`);
    process.exit(2);
  }
  return n;
};
const REPLICAS = positive('replicas', flags.replicas);
const REPS = positive('reps', flags.reps);
const PODS = positive('pods', flags.pods);
/** terminationGracePeriodSeconds of every pod: the most an old pod may take to stop (demo-web, run under the kubelet's init, stops at once on SIGTERM). */
const GRACE = positive('grace', flags.grace, 0);
const RUN = crypto.randomBytes(3).toString('hex');

function podSpec(image: string): Pod['spec'] {
  return {
    terminationGracePeriodSeconds: GRACE,
    containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  };
}

function deployment(name: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { 'skiff.io/bench': RUN } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: name, 'skiff.io/bench': RUN } }, spec: podSpec(V1) },
    },
  };
}

function rolledOut(d: Readonly<Deployment> | undefined): boolean {
  const s = d?.status;
  return (
    d !== undefined &&
    (s?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
    s?.updatedReplicas === REPLICAS &&
    s.availableReplicas === REPLICAS &&
    s.replicas === REPLICAS
  );
}

/** Create → Running (through a watch) of one pod of the v2 template, `PODS` times one after the other. */
async function singlePodStartups(cluster: Cluster, rep: number): Promise<number[]> {
  const pods = await new WatchedSet<Pod>(cluster.client, 'pods', { namespace: NS, labelSelector: `skiff.io/bench-pod=${RUN}` }).start();
  const out: number[] = [];
  try {
    for (let i = 0; i < PODS; i++) {
      const name = `bench-${RUN}-r${rep}-p${i}`;
      const running = pods.until((list) => list.some((p) => p.metadata.name === name && podRunning(p)), { timeoutMs: 120_000, what: `pod ${name} Running` });
      running.catch(() => undefined); // awaited below; a failed create must not leave it unhandled
      const t0 = performance.now();
      await cluster.client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { 'skiff.io/bench-pod': RUN } }, spec: podSpec(V2) });
      out.push((await running).at - t0);
    }
  } finally {
    pods.close();
  }
  return out;
}

interface RolloutTiming {
  /** Image update → the Deployment status shows the rollout complete. */
  statusMs: number;
  /** Image update → status complete and no old pod left (the measure). */
  doneMs: number;
}

/** Creates a v1 Deployment, waits for it, then times its rollout to v2. */
async function timeRollout(cluster: Cluster, name: string): Promise<RolloutTiming> {
  await cluster.client.create('deployments', deployment(name));
  await waitFor(async () => rolledOut(await cluster.client.get<Deployment>('deployments', NS, name)), {
    timeoutMs: 180_000,
    what: `${name}: ${REPLICAS} v1 replicas available`,
  });
  const deployments = await new WatchedSet<Deployment>(cluster.client, 'deployments', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` }).start();
  const pods = await new WatchedSet<Pod>(cluster.client, 'pods', { namespace: NS, labelSelector: `app=${name}` }).start();
  try {
    let statusAt: number | undefined;
    let doneAt: number | undefined;
    let generation = Number.POSITIVE_INFINITY;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => (resolveDone = r));
    const check = (at: number): void => {
      if (doneAt !== undefined) return;
      const d = deployments.list().find((x) => x.metadata.name === name);
      if (!d || (d.metadata.generation ?? 0) < generation || !rolledOut(d)) return;
      statusAt ??= at;
      if (pods.list().some((p) => p.spec.containers[0]?.image !== V2)) return;
      doneAt = at;
      resolveDone();
    };
    const offD = deployments.on((_ev, _list, at) => check(at));
    const offP = pods.on((_ev, _list, at) => check(at));
    const t0 = performance.now();
    const patched = await cluster.client.patch<Deployment>('deployments', NS, name, { spec: { template: { spec: { containers: podSpec(V2).containers } } } });
    generation = patched.metadata.generation ?? 0;
    check(performance.now());
    const timer = setTimeout(() => resolveDone(), 300_000);
    await done;
    clearTimeout(timer);
    offD();
    offP();
    if (doneAt === undefined || statusAt === undefined) throw new Error(`${name}: rollout not complete after 300 s: ${JSON.stringify(deployments.list().find((x) => x.metadata.name === name)?.status)}`);
    if (deployments.relists + pods.relists > 0) say(`${name}: a watch had to relist; the end time may be late by one event`);
    return { statusMs: statusAt - t0, doneMs: doneAt - t0 };
  } finally {
    deployments.close();
    pods.close();
  }
}

/** Deletes the run's Deployments and pods and waits until their containers are gone, so repetitions do not overlap. */
async function clean(cluster: Cluster): Promise<void> {
  const ds = await cluster.client.list<Deployment>('deployments', { namespace: NS, labelSelector: `skiff.io/bench=${RUN}` });
  await Promise.all(ds.items.map((d) => cluster.client.delete('deployments', NS, d.metadata.name ?? '').catch(() => undefined)));
  const singles = await cluster.client.list<Pod>('pods', { namespace: NS, labelSelector: `skiff.io/bench-pod=${RUN}` });
  await Promise.all(singles.items.map((p) => cluster.client.delete('pods', NS, p.metadata.name ?? '').catch(() => undefined)));
  await waitFor(async () => (await cluster.client.list('pods', { namespace: NS })).items.length === 0, { timeoutMs: 120_000, what: 'the benchmark pods to be deleted' });
  await waitFor(async () => (await cluster.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } })).length === 0, {
    timeoutMs: 60_000,
    what: "the benchmark pods' containers to be removed",
  });
}

async function main(cluster: Cluster): Promise<void> {
  for (const image of [V1, V2]) {
    await cluster.docker.getImage(image).inspect().catch(() => {
      throw new Error(`${image} is not on this machine: run scripts/build-images.sh`);
    });
  }
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  const singles: number[] = [];
  const rollouts: RolloutTiming[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    say(`repetition ${rep + 1}/${REPS}: ${PODS} single pods, then a ${REPLICAS}-replica rollout v1 → v2`);
    singles.push(...(await singlePodStartups(cluster, rep)));
    await clean(cluster);
    rollouts.push(await timeRollout(cluster, `roll-${RUN}-${rep}`));
    await clean(cluster);
  }
  const pod = summarize(singles);
  const baseline = REPLICAS * pod.p50;
  const done = summarize(rollouts.map((r) => r.doneMs));
  const out: string[] = [];
  out.push(`Skiff rollout benchmark, ${new Date().toISOString()}`);
  out.push(machineLine());
  out.push(`load average (1 min): ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? Number.NaN).toFixed(2)} at end`);
  out.push(`cluster: ${cluster.name}, nodes ${cluster.nodes.join(', ')}; pods: ${V1} → ${V2}, terminationGracePeriodSeconds ${GRACE}`);
  out.push('');
  out.push(`Single-pod startup (create → Running through a watch, ${V2}, one at a time)`);
  out.push(table(['', 'n', 'p50', 'max', 'mean'], [['pod', String(pod.n), ms(pod.p50), ms(pod.max), ms(pod.mean)]]));
  out.push('');
  out.push(`Rollout of ${REPLICAS} replicas, maxSurge 25%, maxUnavailable 25% (image update → updated = available = ${REPLICAS}, no old pod left; seen through a watch)`);
  out.push(
    table(
      ['repetition', 'status complete', 'rollout', `${REPLICAS} × pod p50`, 'ratio'],
      rollouts.map((r, i) => [String(i + 1), ms(r.statusMs), ms(r.doneMs), ms(baseline), ratio(r.doneMs, baseline)]),
    ),
  );
  out.push('');
  out.push(`median rollout ${ms(done.p50)}; ${REPLICAS} × single-pod median ${ms(baseline)}; ratio ${ratio(done.p50, baseline)}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

runBenchmark({ prefix: 'bench-rollout', nodes: 2 }, main);
