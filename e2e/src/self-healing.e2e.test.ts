// End-to-end: self-healing of pods (issue 4) on one real local cluster (`skiff up`, 2 nodes, real
// Docker containers), driven with the `skiff` CLI and checked as a user looks: `skiff get pods`,
// `skiff describe pod`, `skiff logs`, `skiff exec`, HTTP to the pod IP. Probes, restart back-off,
// init containers, the memory limit and exec. Each step applies its own pod from
// e2e/fixtures/self-healing/ and deletes it at the end; the steps run in order on the shared cluster.
//
// Run: node --test --test-concurrency=1 e2e/dist/self-healing.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import type { ContainerStateTerminated, ContainerStatus, Pod } from '@skiff/api';
import { findCondition } from '@skiff/api';
import { nameOf, showRun, waitFor, type Cluster } from './harness.js';
import { applyFile, fixturePath } from './fixtures.js';
import { podRow, runningPod as runningPodIn } from './objects.js';
import { clusterSuite } from './suite.js';
import { WatchedSet } from './watched-set.js';

const NS = 'default';

const suite = clusterSuite({ prefix: 'e2e-heal', nodes: 2 });
const c = (): Cluster => suite.cluster();
const step = suite.step;

// ---- helpers ----------------------------------------------------------------------------------

async function applyFixture(file: string): Promise<void> {
  await applyFile(c(), fixturePath('self-healing', file));
}

async function pod(name: string): Promise<Pod> {
  return c().client.get<Pod>('pods', NS, name);
}

function mainStatus(p: Readonly<Pod>): ContainerStatus | undefined {
  return p.status?.containerStatuses?.[0];
}

const runningPod = (name: string, timeoutMs?: number): Promise<Pod> => runningPodIn(c(), name, timeoutMs === undefined ? {} : { timeoutMs });

/** `skiff describe pod NAME` once it matches every pattern. */
async function describedWith(name: string, patterns: readonly RegExp[], timeoutMs: number): Promise<string> {
  return waitFor(
    async () => {
      const r = await c().skiff('describe', 'pod', name);
      if (r.code !== 0) throw new Error(showRun(r));
      const missing = patterns.filter((p) => !p.test(r.stdout));
      if (missing.length > 0) throw new Error(`missing ${missing.map(String).join(', ')} in:\n${r.stdout}`);
      return r.stdout;
    },
    { timeoutMs, what: `\`skiff describe pod ${name}\` to show ${patterns.map(String).join(' and ')}` },
  );
}

/** Deletes the pods without waiting for them to go (the cluster is torn down after the suite). */
async function deletePods(...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => c().client.delete('pods', NS, n).catch(() => undefined)));
}

const seconds = (rfc3339: string | undefined): number => (rfc3339 ? Date.parse(rfc3339) / 1000 : Number.NaN);

// ---- the suite ---------------------------------------------------------------------------------

step('skiff exec returns the command output and its exit code, with stdin', 90_000, async () => {
  const cl = c();
  await applyFixture('exec-pod.yaml');
  try {
    await runningPod('e2e-exec');
    const hi = await cl.skiff('exec', 'e2e-exec', '--', 'sh', '-c', 'echo hi; exit 3');
    assert.ok(!hi.timedOut, showRun(hi));
    assert.equal(hi.code, 3, `the exit code of the command:\n${showRun(hi)}`);
    assert.equal(hi.stdout, 'hi\n', showRun(hi));

    const err = await cl.skiff('exec', 'e2e-exec', '--', 'sh', '-c', 'echo to-stderr >&2; echo to-stdout');
    assert.equal(err.code, 0, showRun(err));
    assert.equal(err.stdout, 'to-stdout\n', showRun(err));
    assert.match(err.stderr, /to-stderr/, showRun(err));

    const piped = await cl.skiffWith(['exec', '-i', 'e2e-exec', '--', 'sh', '-c', 'tr a-z A-Z'], { stdin: 'piped through stdin\n' });
    assert.equal(piped.code, 0, showRun(piped));
    assert.equal(piped.stdout, 'PIPED THROUGH STDIN\n', showRun(piped));

    const missing = await cl.skiff('exec', 'e2e-no-such-pod', '--', 'true');
    assert.ok(!missing.timedOut && missing.code !== 0, showRun(missing));
    assert.match(missing.stderr, /not found/i, showRun(missing));
    assert.match(missing.stderr, /e2e-no-such-pod/, showRun(missing));
  } finally {
    await deletePods('e2e-exec');
  }
});

step('a liveness probe that starts failing restarts the container: RESTARTS 1, Unhealthy and Killing events', 150_000, async () => {
  const cl = c();
  await applyFixture('liveness-pod.yaml');
  try {
    const before = await runningPod('e2e-liveness');
    const first = mainStatus(before);
    assert.equal(first?.restartCount, 0, JSON.stringify(first));
    const ip = before.status?.podIP ?? assert.fail('no pod IP');
    await waitFor(async () => (await cl.httpGet(ip, 8080, '/healthz')).status === 200, { timeoutMs: 20_000, what: `GET ${ip}:8080/healthz → 200` });

    const rm = await cl.skiff('exec', 'e2e-liveness', '--', 'rm', '/www/healthz');
    assert.equal(rm.code, 0, showRun(rm));

    const after = await waitFor(
      async () => {
        const p = await pod('e2e-liveness');
        const s = mainStatus(p);
        if (!s || s.restartCount < 1 || !s.state.running || s.containerID === first?.containerID) throw new Error(JSON.stringify(s));
        return p;
      },
      { timeoutMs: 60_000, what: 'e2e-liveness restarted by its failing liveness probe (restartCount 1, a new container running)' },
    );
    const s = mainStatus(after);
    assert.equal(s?.restartCount, 1, `one restart: ${JSON.stringify(s)}`);
    assert.ok(s?.lastState.terminated, `lastState.terminated of the killed container: ${JSON.stringify(s)}`);

    const row = await podRow(cl, 'e2e-liveness');
    assert.match(row?.['RESTARTS'] ?? '', /^1\b/, `skiff get pods shows RESTARTS 1: ${JSON.stringify(row)}`);
    const described = await describedWith('e2e-liveness', [/Unhealthy/, /[Ll]iveness probe failed/, /Killing/, /Restart Count:\s+1\b/, /Last State:\s+Terminated/], 30_000);
    assert.match(described, /404|status ?code/i, `the Unhealthy event says why:\n${described}`);

    // The new container is a fresh one from the image: /healthz is back, the probe passes again.
    const ipNow = after.status?.podIP ?? ip;
    assert.equal((await cl.httpGet(ipNow, 8080, '/healthz')).status, 200, 'the restarted container serves /healthz again');
  } finally {
    await deletePods('e2e-liveness');
  }
});

step('a readiness probe gates Ready: 0/1 while /ready is missing, 1/1 after `skiff exec -- touch /ready`', 120_000, async () => {
  const cl = c();
  await applyFixture('readiness-pod.yaml');
  try {
    const running = await runningPod('e2e-readiness');
    const startedAt = Date.parse(mainStatus(running)?.state.running?.startedAt ?? '') || Date.now();
    // Running but not Ready, at every look through at least three probe periods (2 s) after the
    // container started.
    const wrong: string[] = [];
    await waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-readiness');
        const p = await pod('e2e-readiness');
        const ready = findCondition(p.status?.conditions, 'Ready')?.status;
        if (row?.['READY'] !== '0/1' || row['STATUS'] !== 'Running' || ready !== 'False' || mainStatus(p)?.ready !== false) {
          wrong.push(`${JSON.stringify(row)} Ready=${ready ?? '-'}`);
        }
        return Date.now() - startedAt > 6_000;
      },
      { timeoutMs: 30_000, what: 'e2e-readiness to stay 0/1 for three probe periods' },
    );
    assert.deepEqual(wrong, [], 'Running and 0/1 (Ready=False) while /ready is missing');

    const touch = await cl.skiff('exec', 'e2e-readiness', '--', 'touch', '/ready');
    assert.equal(touch.code, 0, showRun(touch));
    await waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-readiness');
        if (row?.['READY'] !== '1/1') throw new Error(JSON.stringify(row));
        return true;
      },
      { timeoutMs: 30_000, what: '`skiff get pods` to show e2e-readiness 1/1' },
    );
    const p = await pod('e2e-readiness');
    assert.equal(findCondition(p.status?.conditions, 'Ready')?.status, 'True', JSON.stringify(p.status?.conditions));
    assert.equal(mainStatus(p)?.restartCount, 0, 'a failing readiness probe does not restart the container');
  } finally {
    await deletePods('e2e-readiness');
  }
});

step('a crashing container shows CrashLoopBackOff, restarted after ≥ 10 s, then ≥ 20 s', 180_000, async () => {
  const cl = c();
  // Every termination the kubelet reports (state or lastState), by container id: one per run.
  const runs = new Map<string, ContainerStateTerminated>();
  let maxRestarts = 0;
  const statuses = new Set<string>();
  const watch = await new WatchedSet<Pod>(cl.client, 'pods', { namespace: NS, labelSelector: 'e2e-test=crashloop' }).start();
  watch.on((_ev, pods) => {
    for (const p of pods) {
      const s = mainStatus(p);
      if (!s) continue;
      maxRestarts = Math.max(maxRestarts, s.restartCount);
      for (const t of [s.state.terminated, s.lastState.terminated]) {
        if (t) runs.set(t.containerID ?? `${t.startedAt ?? ''}/${t.finishedAt ?? ''}`, t);
      }
    }
  });
  await applyFixture('crashloop-pod.yaml');
  try {
    /** Seconds from each run's end to the next run's start, in order of the runs. */
    const delays = (): number[] => {
      const sorted = [...runs.values()].sort((a, b) => seconds(a.startedAt) - seconds(b.startedAt));
      return sorted.slice(1).map((t, i) => seconds(t.startedAt) - seconds(sorted[i]?.finishedAt));
    };
    const seen = await waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-crashloop');
        if (row?.['STATUS']) statuses.add(row['STATUS']);
        const d = delays();
        // Enough once a delay of ≥ 10 s has been followed by another run and its end.
        const i = d.findIndex((x) => x >= 10);
        return i >= 0 && d.length > i + 1 && statuses.has('CrashLoopBackOff') ? d : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1000, what: 'e2e-crashloop to crash four times with back-off between restarts and show CrashLoopBackOff' },
    );
    const info = `delays between runs (s): ${seen.join(', ')}; runs: ${JSON.stringify([...runs.values()])}; STATUS seen: ${[...statuses].join(', ')}`;
    process.stderr.write(`e2e-heal: crash loop: ${info}\n`);
    assert.ok(runs.size >= maxRestarts, `a termination reported for every restart (${runs.size} terminations, restartCount ${maxRestarts}): ${info}`);
    const i = seen.findIndex((x) => x >= 10);
    assert.ok(i <= 1, `at most the first restart is immediate: ${info}`);
    assert.ok((seen[i + 1] ?? 0) >= 20, `the back-off doubles: ≥ 10 s, then ≥ 20 s: ${info}`);
    assert.ok(statuses.has('CrashLoopBackOff'), info);
    for (const t of runs.values()) {
      assert.equal(t.exitCode, 1, info);
      assert.equal(t.reason, 'Error', info);
    }
    const described = await describedWith('e2e-crashloop', [/Reason:\s+CrashLoopBackOff|Reason:\s+Error/, /Last State:\s+Terminated/, /Exit Code:\s+1\b/], 20_000);
    assert.match(described, /Back-?[Oo]ff/, `a BackOff event or waiting reason:\n${described}`);
  } finally {
    watch.close();
    await deletePods('e2e-crashloop');
  }
});

step('an init container runs to completion first: Init:0/1, then Running with what it wrote', 120_000, async () => {
  const cl = c();
  // Every state the pod goes through (the kubelet's view), and every STATUS `skiff get pods` shows.
  const initializing: Pod[] = [];
  const statuses = new Set<string>();
  const watch = await new WatchedSet<Pod>(cl.client, 'pods', { namespace: NS, labelSelector: 'e2e-test=init' }).start();
  watch.on((_ev, pods) => {
    for (const p of pods) {
      if (p.status?.initContainerStatuses?.[0]?.state.running) initializing.push(p);
    }
  });
  await applyFixture('init-pod.yaml');
  try {
    const poll = waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-init');
        if (row?.['STATUS']) statuses.add(row['STATUS']);
        return row?.['STATUS'] === 'Running' && row['READY'] === '1/1';
      },
      { timeoutMs: 90_000, intervalMs: 300, what: '`skiff get pods` to show e2e-init 1/1 Running' },
    );
    const done = await runningPod('e2e-init', 90_000);
    await poll;

    assert.ok(initializing.length > 0, `the init container was seen running: ${JSON.stringify(done.status?.initContainerStatuses)}`);
    for (const p of initializing) {
      assert.equal(mainStatus(p)?.state.running, undefined, `the app container does not run while the init container does: ${JSON.stringify(p.status)}`);
      assert.equal(findCondition(p.status?.conditions, 'Initialized')?.status, 'False', JSON.stringify(p.status?.conditions));
      assert.equal(p.status?.phase ?? 'Pending', 'Pending');
    }
    const init = done.status?.initContainerStatuses?.[0];
    assert.equal(init?.name, 'prepare');
    assert.equal(init?.state.terminated?.exitCode, 0, JSON.stringify(init));
    assert.equal(init?.state.terminated?.reason, 'Completed', JSON.stringify(init));
    const initEnd = seconds(init?.state.terminated?.finishedAt);
    const appStart = seconds(mainStatus(done)?.state.running?.startedAt);
    assert.ok(appStart >= initEnd, `the app container started (${appStart}) after the init container finished (${initEnd})`);
    assert.equal(findCondition(done.status?.conditions, 'Initialized')?.status, 'True');

    const logs = await waitFor(
      async () => {
        const r = await cl.skiff('logs', 'e2e-init', '-c', 'main');
        if (r.code !== 0) throw new Error(showRun(r));
        return r.stdout.includes('prepared-by-init') ? r.stdout : undefined;
      },
      { timeoutMs: 20_000, what: '`skiff logs e2e-init -c main` to print the file the init container wrote' },
    );
    assert.equal(logs.trim(), 'prepared-by-init');
    assert.ok(statuses.has('Init:0/1'), `\`skiff get pods\` showed Init:0/1 while the init container ran (seen: ${[...statuses].join(', ')})`);
  } finally {
    watch.close();
    await deletePods('e2e-init');
  }
});

step('a memory hog over its 32Mi limit is OOMKilled (exit code 137), as get and describe show', 120_000, async () => {
  const cl = c();
  await applyFixture('oom-pod.yaml');
  try {
    const statuses = new Set<string>();
    const described = await waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-oom');
        if (row?.['STATUS']) statuses.add(row['STATUS']);
        const r = await cl.skiff('describe', 'pod', 'e2e-oom');
        if (r.code !== 0) throw new Error(showRun(r));
        return /State:\s+Terminated\s+Reason:\s+OOMKilled\s+Exit Code:\s+137/.test(r.stdout) ? r.stdout : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: '`skiff describe pod e2e-oom` to show (Last) State Terminated, Reason OOMKilled, Exit Code 137' },
    );
    assert.match(described, /Limits:\s+memory:\s+32Mi/, described);
    // A memory limit alone (no CPU limit) is Burstable, as in Kubernetes.
    assert.match(described, /QoS Class:\s+Burstable/, described);
    const p = await pod('e2e-oom');
    const s = mainStatus(p);
    const t = s?.state.terminated ?? s?.lastState.terminated;
    assert.equal(t?.reason, 'OOMKilled', JSON.stringify(s));
    assert.equal(t?.exitCode, 137, JSON.stringify(s));
    assert.equal(p.status?.qosClass, 'Burstable');
    // What `skiff get pods` shows: OOMKilled right after the kill, CrashLoopBackOff while it waits.
    await waitFor(
      async () => {
        const row = await podRow(cl, 'e2e-oom');
        if (row?.['STATUS']) statuses.add(row['STATUS']);
        if (!statuses.has('OOMKilled') && !statuses.has('CrashLoopBackOff')) throw new Error(`STATUS seen: ${[...statuses].join(', ')}`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: '`skiff get pods` to show e2e-oom OOMKilled or CrashLoopBackOff' },
    );
  } finally {
    await deletePods('e2e-oom');
  }
});

step('the pods of this suite are gone, and so are their containers', 90_000, async () => {
  const cl = c();
  await waitFor(
    async () => {
      const left = (await cl.client.list<Pod>('pods', { namespace: NS, labelSelector: 'e2e=self-healing' })).items;
      if (left.length > 0) throw new Error(`pods: ${left.map(nameOf).join(' ')}`);
      const cs = await cl.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } });
      if (cs.length > 0) throw new Error(`containers: ${cs.map((x) => `${x.Labels['skiff.io/pod-name'] ?? ''}/${x.Labels['skiff.io/container-name'] ?? ''}`).join(' ')}`);
      return true;
    },
    { timeoutMs: 60_000, what: 'every pod and container of the suite removed' },
  );
});
