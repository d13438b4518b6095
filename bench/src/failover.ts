// Failover benchmark (`npm run bench:failover`). Starts its own local cluster (`skiff up`, 2 nodes),
// restarts its controller-manager with a short node-monitor grace period (e2e/src/node-failure.ts),
// and measures two kinds of self-healing:
//   - node failure: a ReplicaSet of N pods that tolerate an unreachable node for T seconds; SIGKILL
//     of the kubelet of the node holding most of them; the time from the kill to the watch event
//     after which every one of the RS's pods is Running on the other node (the dead node's pods
//     evicted). Printed raw, and net of the configured grace period G and toleration T (what the
//     control plane and the surviving node add on top of the waits the user configured). Also the
//     time to the node seen NotReady and to the first eviction. The kubelet is started again and
//     its node is Ready and cleaned up before the next repetition.
//   - liveness restart: a demo-web pod with an httpGet liveness probe on /healthz (period p,
//     failureThreshold f); the file is removed (docker exec, so the moment is exact); the time from
//     then to the watch event showing the container restarted and running. Printed raw and net of
//     p × f. A fresh pod per repetition, so no restart back-off is involved.
// The probe runs every p seconds from the container's start, so the net figures carry up to one
// period (liveness) or one Lease renewal interval (10 s, node failure) of phase: they can be negative.
// For node failure the phase is known (the Lease's renewTime at the kill; the kills are spread over
// the 10 s renewal cycle), and "net from last renewal" adds it back: the grace period runs from the last renewal the controller saw, not from
// the kill.
// Figures only: nothing is asserted about durations. Cleans up its pods, ReplicaSets and cluster.
//
// Usage: node bench/dist/failover.js [--reps R] [--pods N] [--grace G] [--toleration T]
//                                     [--probe-reps P] [--period p] [--failure-threshold f]

import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type Docker from 'dockerode';
import type { Lease, Node, Pod, ReplicaSet } from '@skiff/api';
import { podRunning, waitFor, type Cluster } from '@skiff/e2e/harness';
import { hasTaint, readyStatus, UNREACHABLE_TAINT, useNodeMonitor } from '@skiff/e2e/node-failure';
import { WatchedSet } from '@skiff/e2e/watched-set';
import { machineLine, runBenchmark, say } from './bench-main.js';
import { ms, summarize, table } from './stats.js';

const NS = 'default';
const BUSYBOX = 'skiff/busybox:latest';
const WEB = 'skiff/demo-web:v1';
/** The kubelets' Lease renewal interval (--node-status-update-frequency, 10 s by default). */
const LEASE_RENEW_MS = 10_000;
const LOOP = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];

const { values: flags } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    pods: { type: 'string', default: '4' },
    grace: { type: 'string', default: '20' },
    toleration: { type: 'string', default: '5' },
    'probe-reps': { type: 'string', default: '5' },
    period: { type: 'string', default: '1' },
    'failure-threshold': { type: 'string', default: '3' },
  },
});
const int = (name: string, text: string | undefined, min: number): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, got ${text ?? ''}\n`);
    process.exit(2);
  }
  return n;
};
const REPS = int('reps', flags.reps, 0);
const PODS = int('pods', flags.pods, 2);
const GRACE_S = int('grace', flags.grace, 1);
const TOLERATION_S = int('toleration', flags.toleration, 0);
const PROBE_REPS = int('probe-reps', flags['probe-reps'], 0);
const PERIOD_S = int('period', flags.period, 1);
const THRESHOLD = int('failure-threshold', flags['failure-threshold'], 1);
const RUN = crypto.randomBytes(3).toString('hex');
const sec = (v: number): string => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)} s` : '-');

// ---- node failure -----------------------------------------------------------------------------

interface FailoverSample {
  moved: number;
  /** How long before the kill the node's Lease was last renewed: the part of the grace period already spent. */
  leaseAgeMs: number;
  notReadyMs: number;
  firstEvictionMs: number;
  allRunningMs: number;
}

function failoverRs(name: string): ReplicaSet {
  const labels = { app: name, 'skiff.io/bench': RUN };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas: PODS,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          tolerations: ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
            key,
            operator: 'Exists' as const,
            effect: 'NoExecute' as const,
            tolerationSeconds: TOLERATION_S,
          })),
          containers: [{ name: 'main', image: BUSYBOX, command: LOOP, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      },
    },
  };
}

const live = (pods: readonly Pod[]): Pod[] => pods.filter((p) => !p.metadata.deletionTimestamp);

async function nodeHealthy(cluster: Cluster, name: string): Promise<boolean> {
  const n = await cluster.client.get<Node>('nodes', '', name);
  return readyStatus(n) === 'True' && !hasTaint(n, UNREACHABLE_TAINT, 'NoExecute') && !hasTaint(n, UNREACHABLE_TAINT, 'NoSchedule');
}

async function failoverOnce(cluster: Cluster, rep: number): Promise<FailoverSample> {
  const name = `fo-${RUN}-${rep}`;
  const pods = await new WatchedSet<Pod>(cluster.client, 'pods', { namespace: NS, labelSelector: `app=${name}` }).start();
  const nodes = await new WatchedSet<Node>(cluster.client, 'nodes').start();
  try {
    await cluster.client.create('replicasets', failoverRs(name));
    const { value: placed } = await pods.until((ps) => {
      const l = live(ps);
      return l.length === PODS && l.every(podRunning) ? l : undefined;
    }, { timeoutMs: 120_000, what: `${PODS} pods of ${name} Running` });
    const count = (n: string): number => placed.filter((p) => p.spec.nodeName === n).length;
    const victim = [...cluster.nodes].sort((a, b) => count(b) - count(a))[0] ?? '';
    const movedUids = new Set(placed.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.uid ?? ''));
    const kubelet = cluster.processOf('kubelet', victim);

    const notReady = nodes.until((ns) => ns.find((n) => n.metadata.name === victim && readyStatus(n) !== 'True'), { timeoutMs: 180_000, what: `${victim} NotReady` });
    const evicted = pods.until((ps) => ps.find((p) => movedUids.has(p.metadata.uid ?? '') && p.metadata.deletionTimestamp) ?? (ps.some((p) => movedUids.has(p.metadata.uid ?? '')) ? undefined : true), {
      timeoutMs: 180_000,
      what: `a pod of ${victim} evicted`,
    });
    const recovered = pods.until((ps) => {
      const l = live(ps);
      return l.length === PODS && l.every((p) => podRunning(p) && p.spec.nodeName !== victim && !movedUids.has(p.metadata.uid ?? ''));
    }, { timeoutMs: 180_000, what: `${PODS} pods of ${name} Running off ${victim}` });
    for (const p of [notReady, evicted, recovered]) p.catch(() => undefined); // awaited below; no unhandled rejection meanwhile
    // Kill at a chosen point of the victim's 10 s Lease renewal cycle (spread over the repetitions),
    // so the raw figures sample the phase rather than repeat whatever phase the run happens to hit.
    const targetAgeMs = ((rep + 0.5) / Math.max(REPS, 1)) * LEASE_RENEW_MS;
    const lease = await waitFor(
      async () => {
        const l = await cluster.client.get<Lease>('leases', 'kube-node-lease', victim);
        const age = Date.now() - Date.parse(l.spec.renewTime ?? '');
        return age >= targetAgeMs && age < targetAgeMs + 500 ? l : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: `${victim}'s Lease ${sec(targetAgeMs)} past its last renewal` },
    );
    const t0 = performance.now();
    const killedAtWall = Date.now();
    await cluster.stopProcess(kubelet.name, 'SIGKILL');
    const leaseAgeMs = killedAtWall - Date.parse(lease.spec.renewTime ?? '');
    const [nr, ev, all] = await Promise.all([notReady, evicted, recovered]);
    const sample = { moved: movedUids.size, leaseAgeMs, notReadyMs: nr.at - t0, firstEvictionMs: ev.at - t0, allRunningMs: all.at - t0 };
    say(`rep ${rep + 1}: ${movedUids.size} pod(s) of ${victim}: NotReady ${sec(sample.notReadyMs)}, first eviction ${sec(sample.firstEvictionMs)}, all Running elsewhere ${sec(sample.allRunningMs)}`);

    // Back to two healthy nodes, the old pods and containers gone, for the next repetition.
    await cluster.startProcessAgain(kubelet.name);
    await waitFor(() => nodeHealthy(cluster, victim), { timeoutMs: 120_000, what: `${victim} Ready and untainted again` });
    await cluster.client.delete('replicasets', NS, name);
    await pods.until((ps) => ps.length === 0, { timeoutMs: 120_000, what: `the pods of ${name} deleted` });
    await waitFor(async () => (await cluster.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } })).length === 0, {
      timeoutMs: 120_000,
      what: `the containers of ${name} removed`,
    });
    return sample;
  } finally {
    pods.close();
    nodes.close();
  }
}

// ---- liveness ---------------------------------------------------------------------------------

function livenessPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { 'skiff.io/bench': RUN, bench: 'liveness' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: WEB,
          ports: [{ containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: PERIOD_S, failureThreshold: THRESHOLD },
        },
      ],
    },
  };
}

/** Runs a command in a container through the engine and waits for it to finish; returns its exit code. */
async function dockerExec(docker: Docker, id: string, cmd: string[]): Promise<number | null> {
  const ex = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({});
  await new Promise<void>((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('error', reject);
    stream.resume();
  });
  return (await ex.inspect()).ExitCode;
}

async function livenessSamples(cluster: Cluster): Promise<number[]> {
  const watch = await new WatchedSet<Pod>(cluster.client, 'pods', { namespace: NS, labelSelector: `skiff.io/bench=${RUN},bench=liveness` }).start();
  const names = Array.from({ length: PROBE_REPS }, (_, i) => `lv-${RUN}-${i}`);
  const out: number[] = [];
  try {
    await Promise.all(names.map((n) => cluster.client.create('pods', livenessPod(n))));
    await watch.until((ps) => ps.length === PROBE_REPS && ps.every(podRunning), { timeoutMs: 120_000, what: `${PROBE_REPS} liveness pods Running` });
    for (const name of names) {
      const before = watch.list().find((p) => p.metadata.name === name);
      const status = before?.status?.containerStatuses?.[0];
      const id = (status?.containerID ?? '').replace(/^docker:\/\//, '');
      if (!id || status?.restartCount !== 0) throw new Error(`${name}: not a fresh running container: ${JSON.stringify(status)}`);
      const restarted = watch.until(
        (ps) => {
          const s = ps.find((p) => p.metadata.name === name)?.status?.containerStatuses?.[0];
          return s && s.restartCount >= 1 && s.state.running && s.containerID !== status.containerID ? s : undefined;
        },
        { timeoutMs: 120_000, what: `${name} restarted by its liveness probe` },
      );
      restarted.catch(() => undefined); // awaited below
      const code = await dockerExec(cluster.docker, id, ['rm', '/www/healthz']);
      const t0 = performance.now();
      if (code !== 0) throw new Error(`${name}: rm /www/healthz exited ${String(code)}`);
      const { at } = await restarted;
      out.push(at - t0);
      say(`liveness ${name}: restarted and running ${sec(at - t0)} after /healthz was removed`);
    }
    return out;
  } finally {
    watch.close();
    await Promise.all(names.map((n) => cluster.client.delete('pods', NS, n).catch(() => undefined)));
  }
}

// ---- main -------------------------------------------------------------------------------------

runBenchmark({ prefix: 'bench-fo', nodes: 2 }, async (cluster) => {
  const loadAtStart = os.loadavg()[0] ?? Number.NaN;
  say(`controller-manager: --node-monitor-grace-period ${GRACE_S}s --node-monitor-period 1s`);
  await useNodeMonitor(cluster, { gracePeriodSeconds: GRACE_S, monitorPeriodSeconds: 1 });
  await waitFor(async () => (await cluster.readyNodes()).length === 2, { timeoutMs: 60_000, what: 'both nodes Ready' });

  const failovers: FailoverSample[] = [];
  for (let i = 0; i < REPS; i++) failovers.push(await failoverOnce(cluster, i));
  const probes = PROBE_REPS > 0 ? await livenessSamples(cluster) : [];
  process.stdout.write(`${report(cluster, loadAtStart, failovers, probes).join('\n')}\n`);
});

function report(cluster: Cluster, loadAtStart: number, failovers: readonly FailoverSample[], probes: readonly number[]): string[] {
  const waitsMs = (GRACE_S + TOLERATION_S) * 1000;
  const probeWaitMs = PERIOD_S * THRESHOLD * 1000;
  const out: string[] = [];
  out.push(`Skiff failover benchmark, ${new Date().toISOString()}`);
  out.push(machineLine());
  out.push(`load average (1 min): ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? Number.NaN).toFixed(2)} at end`);
  out.push(`cluster: ${cluster.name}, nodes ${cluster.nodes.join(', ')}`);
  if (failovers.length > 0) {
    out.push('');
    out.push(`Node failure: SIGKILL of a kubelet → every pod of a ${PODS}-pod ReplicaSet Running on the other node`);
    out.push(`(grace period G = ${GRACE_S} s, toleration T = ${TOLERATION_S} s, node-monitor-period 1 s, Lease renewed every 10 s; net = raw − G − T)`);
    out.push(
      table(
        ['rep', 'pods moved', 'Lease age at kill', 'NotReady', 'first eviction', 'all Running (raw)', 'net', 'net from last renewal'],
        failovers.map((f, i) => [
          String(i + 1),
          String(f.moved),
          sec(f.leaseAgeMs),
          sec(f.notReadyMs),
          sec(f.firstEvictionMs),
          sec(f.allRunningMs),
          sec(f.allRunningMs - waitsMs),
          sec(f.allRunningMs + f.leaseAgeMs - waitsMs),
        ]),
      ),
    );
    const raw = summarize(failovers.map((f) => f.allRunningMs));
    const net = summarize(failovers.map((f) => f.allRunningMs - waitsMs));
    const fromRenewal = summarize(failovers.map((f) => f.allRunningMs + f.leaseAgeMs - waitsMs));
    out.push(`raw: p50 ${ms(raw.p50)}, max ${ms(raw.max)}; net: p50 ${ms(net.p50)}, max ${ms(net.max)}; net from the last Lease renewal: p50 ${ms(fromRenewal.p50)}, max ${ms(fromRenewal.max)}`);
  }
  if (probes.length > 0) {
    out.push('');
    out.push(`Liveness: /healthz removed → the restarted container running (period p = ${PERIOD_S} s, failureThreshold f = ${THRESHOLD}; net = raw − p × f)`);
    const raw = summarize(probes);
    const net = summarize(probes.map((v) => v - probeWaitMs));
    out.push(
      table(
        ['', 'n', 'p50', 'max', 'mean'],
        [
          ['raw', String(raw.n), ms(raw.p50), ms(raw.max), ms(raw.mean)],
          ['net', String(net.n), ms(net.p50), ms(net.max), ms(net.mean)],
        ],
      ),
    );
    out.push(`samples (raw): ${probes.map((v) => ms(v)).join(', ')}`);
  }
  return out;
}
