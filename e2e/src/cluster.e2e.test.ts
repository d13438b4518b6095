// End-to-end: one real local cluster (`skiff up`: etcd, apiserver, scheduler, controller-manager,
// 2 kubelets, each its own process; real Docker containers), driven as a user drives it (the
// `skiff` CLI, HTTP to pod IPs, `docker kill`, killing processes), asserting what a user would
// see. The tests share the cluster and run in order; each says what state it starts from.
//
// Run: node --test --test-concurrency=1 e2e/dist      (after `npx tsc --build` and the images)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { ApiError, findCondition, type Event, type Pod, type ReplicaSet } from '@skiff/api';
import { metricValue, nameOf, podRunning, showRun, startCluster, waitFor, type Cluster } from './harness.js';
import { isAlive } from './procs.js';
import { parseTable, rowNamed } from './table.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (f: string): string => `${FIXTURES}${f}`;
const NS = 'default';
/** How long etcd stays down in the fault test: longer than a leader-election lease (15 s). */
const OUTAGE_MS = 20_000;
const WEB = 'app=web';

let cluster: Cluster | undefined;
let failed = 0;

function c(): Cluster {
  if (!cluster) throw new Error('the cluster did not start (see the before hook)');
  return cluster;
}

/** A test that records its failure, so the logs are kept for diagnosis. */
function step(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failed++;
      throw e;
    }
  });
}

before(
  async () => {
    cluster = await startCluster({ prefix: 'e2e', nodes: 2 });
    // Interrupted (Ctrl-C, the runner's timeout): still stop the cluster and remove its containers.
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        process.stderr.write(`e2e: ${sig}: tearing down ${cluster?.name ?? ''}\n`);
        void (cluster?.down() ?? Promise.resolve()).finally(() => process.exit(130));
      });
    }
  },
  { timeout: 240_000 },
);

after(
  async () => {
    if (!cluster) return;
    keepLogsIfFailed();
    const report = await cluster.down();
    if (report.leftoverContainers.length + report.leftoverProcesses.length + report.leftoverNetworks.length > 0) {
      process.stderr.write(`e2e: teardown removed leftovers: ${JSON.stringify(report)}\n`);
    }
  },
  { timeout: 240_000 },
);

let logsKept = false;
function keepLogsIfFailed(): void {
  if (!cluster || failed === 0 || logsKept) return;
  logsKept = true;
  process.stderr.write(`e2e: ${failed} test(s) failed; cluster logs kept in ${cluster.saveLogs()}\n`);
}

// ---- helpers ----------------------------------------------------------------------------------

function webManifest(replicas: number): string {
  const text = fs.readFileSync(fixture('web-rs.yaml'), 'utf8');
  assert.match(text, /replicas: 3\n/);
  return text.replace(/replicas: 3\n/, `replicas: ${replicas}\n`);
}

async function applyWeb(replicas: number): Promise<string> {
  const r = await c().skiffWith(['apply', '-f', '-'], { stdin: webManifest(replicas) });
  assert.equal(r.code, 0, showRun(r));
  return r.stdout;
}

/** Waits for exactly `n` live web pods, every one Running with a pod IP, and no terminating ones left. */
async function webPodsRunning(n: number, timeoutMs = 90_000): Promise<Pod[]> {
  return waitFor(
    async () => {
      const all = (await c().client.list<Pod>('pods', { namespace: NS, labelSelector: WEB })).items;
      const live = all.filter((p) => !p.metadata.deletionTimestamp);
      const ok = all.length === n && live.length === n && live.every((p) => podRunning(p) && p.status?.podIP);
      if (!ok) throw new Error(`pods: ${all.map((p) => `${nameOf(p)}=${p.status?.phase ?? '?'}${p.metadata.deletionTimestamp ? '(terminating)' : ''}@${p.spec.nodeName ?? '-'}`).join(' ') || 'none'}`);
      return live;
    },
    { timeoutMs, what: `${n} web pods Running` },
  );
}

/** Running app containers of the given pods (by pod uid label). */
async function appContainersOf(pods: readonly Pod[], all = false): Promise<Docker.ContainerInfo[]> {
  const uids = new Set(pods.map((p) => p.metadata.uid ?? ''));
  const cs = await c().containers({ all, labels: { 'skiff.io/role': 'app', 'skiff.io/pod-namespace': NS } });
  return cs.filter((x) => uids.has(x.Labels['skiff.io/pod-uid'] ?? ''));
}

/** Every container (any state, infra and app) of the web ReplicaSet's pods, by pod-name prefix. */
async function webContainers(): Promise<Docker.ContainerInfo[]> {
  const cs = await c().containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } });
  return cs.filter((x) => (x.Labels['skiff.io/pod-name'] ?? '').startsWith('web-'));
}

function dockerId(containerID: string | undefined): string {
  return (containerID ?? '').replace(/^docker:\/\//, '');
}

function podsOnNode(pods: readonly Pod[], node: string): Pod[] {
  return pods.filter((p) => p.spec.nodeName === node);
}

async function getOrUndefined<T extends Pod | ReplicaSet>(resource: string, name: string): Promise<T | undefined> {
  try {
    return await c().client.get<T>(resource, NS, name);
  } catch (e) {
    if (e instanceof ApiError && e.reason === 'NotFound') return undefined;
    throw e;
  }
}

async function leaseRenewedAfter(node: string, sinceMs: number): Promise<boolean> {
  const lease = await c().client.get<Pod>('leases', 'kube-node-lease', node);
  const renew = (lease.spec as { renewTime?: string } | undefined)?.renewTime;
  return renew !== undefined && Date.parse(renew) > sinceMs;
}

// ---- the suite ---------------------------------------------------------------------------------

step('skiff up: `skiff get nodes` lists both nodes Ready', 60_000, async () => {
  const cl = c();
  assert.equal(cl.nodes.length, 2, `state.json nodes: ${cl.nodes.join(', ')}`);
  assert.ok(`${cl.upResult.stdout}${cl.upResult.stderr}`.includes(cl.state.apiserver.split(':').at(-1) ?? '?'), `skiff up does not print where the apiserver listens:\n${showRun(cl.upResult)}`);
  const out = await waitFor(
    async () => {
      const stdout = await cl.skiffOk('get', 'nodes');
      const rows = parseTable(stdout);
      return rows.length === 2 && cl.nodes.every((n) => rows.find((r) => r['NAME'] === n)?.['STATUS'] === 'Ready') ? stdout : undefined;
    },
    { timeoutMs: 30_000, what: '`skiff get nodes` to show both nodes Ready' },
  );
  const rows = parseTable(out);
  assert.deepEqual(rows.map((r) => r['NAME']).sort(), [...cl.nodes].sort(), out);
  assert.ok(rows.every((r) => r['STATUS'] === 'Ready'), out);
});

step('every component answers /healthz, /readyz and /metrics with its metrics', 60_000, async () => {
  const cl = c();
  const expected: Record<string, string> = {
    apiserver: 'apiserver_request_total',
    scheduler: 'scheduler_schedule_attempts_total',
    kubelet: 'kubelet_running_pods',
    'controller-manager': 'process_resident_memory_bytes',
    'kube-proxy': 'kubeproxy_sync_proxy_rules_duration_seconds',
    dns: 'coredns_dns_requests_total',
    'ingress-controller': 'nginx_ingress_controller_requests',
  };
  const components = cl.processes().filter((p) => p.kind !== 'etcd');
  assert.deepEqual(
    [...new Set(components.map((p) => p.kind))].sort(),
    ['apiserver', 'controller-manager', 'dns', 'ingress-controller', 'kube-proxy', 'kubelet', 'scheduler'],
    'skiff up must start apiserver, scheduler, controller-manager, kubelets, kube-proxy, the DNS server and the ingress controller',
  );
  assert.equal(components.filter((p) => p.kind === 'kubelet').length, 2);
  for (const p of components) {
    assert.ok(p.url, `${p.name}: no observability address in state.json`);
    const u = new URL(p.url);
    const get = (path: string) => cl.httpGet(u.hostname, Number(u.port), path);
    for (const path of ['/healthz', '/readyz']) {
      await waitFor(async () => (await get(path)).status === 200, { timeoutMs: 20_000, what: `${p.name} ${p.url}${path} → 200` });
    }
    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200, `${p.name} /metrics`);
    const name = expected[p.kind] ?? 'process_resident_memory_bytes';
    assert.ok(metrics.body.includes(name), `${p.name} /metrics lacks ${name}`);
  }
});

step('bad input: a clear error naming the problem, nothing written, the server keeps serving', 90_000, async (t) => {
  const cl = c();
  const podNamesBefore = (await cl.client.list<Pod>('pods', { namespace: NS })).items.map(nameOf).sort();
  const cases: { name: string; file: string; expect: RegExp[]; notCreated: () => Promise<void> }[] = [
    {
      name: 'malformed YAML',
      file: 'bad/malformed.yaml',
      expect: [/malformed\.yaml/, /yaml|pars/i, /line \d+/],
      notCreated: async () => assert.equal(await getOrUndefined('pods', 'e2e-bad-yaml'), undefined),
    },
    {
      name: 'malformed JSON',
      file: 'bad/malformed.json',
      expect: [/malformed\.json/, /json|yaml|pars|unexpected/i],
      notCreated: async () => assert.equal(await getOrUndefined('pods', 'e2e-bad-json'), undefined),
    },
    {
      name: 'unknown kind',
      file: 'bad/unknown-kind.yaml',
      expect: [/kind "?Widget"?/],
      notCreated: async () => undefined, // there is no resource it could have been written to
    },
    {
      name: 'missing required field (no image)',
      file: 'bad/no-image.yaml',
      expect: [/is invalid/, /spec\.containers\[0\]\.image/, /[Rr]equired/],
      notCreated: async () => assert.equal(await getOrUndefined('pods', 'e2e-no-image-field'), undefined),
    },
    {
      name: 'bad name (Bad_Name)',
      file: 'bad/bad-name.yaml',
      expect: [/is invalid/, /metadata\.name/, /Bad_Name/],
      notCreated: async () => {
        const names = (await cl.client.list<Pod>('pods', { namespace: NS })).items.map(nameOf);
        assert.ok(!names.includes('Bad_Name'), names.join(' '));
      },
    },
    {
      name: 'pod in a namespace that does not exist',
      file: 'bad/missing-namespace.yaml',
      expect: [/not found/, /e2e-no-such-namespace/],
      notCreated: async () => {
        await assert.rejects(cl.client.get('namespaces', '', 'e2e-no-such-namespace'), (e: unknown) => e instanceof ApiError && e.reason === 'NotFound');
        const inNs = await cl.client.list<Pod>('pods', { namespace: 'e2e-no-such-namespace' }).then(
          (l) => l.items.map(nameOf),
          () => [],
        );
        assert.deepEqual(inNs, []);
      },
    },
  ];
  for (const k of cases) {
    await t.test(k.name, async () => {
      const r = await cl.skiff('apply', '-f', fixture(k.file));
      assert.ok(!r.timedOut && r.code !== 0 && r.code !== null, `expected a non-zero exit:\n${showRun(r)}`);
      for (const re of k.expect) assert.match(r.stderr, re, showRun(r));
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+:\d+/, `a stack trace is not a clear error:\n${showRun(r)}`);
      await k.notCreated();
      assert.equal((await cl.skiff('get', 'nodes')).code, 0, 'the server must keep serving');
    });
  }
  await t.test('stale resourceVersion → Conflict, the newer write is kept', async () => {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'e2e-stale', namespace: NS, labels: { e2e: 'true' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'e2e-stale' } },
        template: { metadata: { labels: { app: 'e2e-stale' } }, spec: { containers: [{ name: 'main', image: 'skiff/busybox:latest' }] } },
      },
    };
    await cl.client.create('replicasets', rs);
    try {
      // The ReplicaSet controller writes the status meanwhile: retry the first write until it lands,
      // then write again from the version it replaced.
      const read = await waitFor(
        async () => {
          const cur = await cl.client.get<ReplicaSet>('replicasets', NS, 'e2e-stale');
          const next = structuredClone(cur);
          next.metadata.labels = { ...next.metadata.labels, write: 'first' };
          await cl.client.update('replicasets', next);
          return cur;
        },
        { timeoutMs: 10_000, what: 'a first update of e2e-stale' },
      );
      const stale = structuredClone(read);
      stale.metadata.labels = { ...stale.metadata.labels, write: 'stale' };
      await assert.rejects(cl.client.update('replicasets', stale), (e: unknown) => {
        assert.ok(e instanceof ApiError, String(e));
        assert.equal(e.reason, 'Conflict', e.message);
        assert.match(e.message, /e2e-stale/);
        return true;
      });
      const now = await cl.client.get<ReplicaSet>('replicasets', NS, 'e2e-stale');
      assert.equal(now.metadata.labels?.['write'], 'first');
    } finally {
      await cl.client.delete('replicasets', NS, 'e2e-stale').catch(() => undefined);
    }
  });
  const podNamesAfter = (await cl.client.list<Pod>('pods', { namespace: NS })).items.map(nameOf).sort();
  assert.deepEqual(podNamesAfter, podNamesBefore, 'bad input must write nothing');
  assert.ok(cl.processes().filter((p) => p.kind === 'apiserver').every((p) => isAlive(p.pid)), 'the apiserver must still run');
});

step('a ReplicaSet of 3 demo-web:v1 pods: 3 containers over both nodes, each answering HTTP on its pod IP', 150_000, async () => {
  const cl = c();
  const r = await cl.skiff('apply', '-f', fixture('web-rs.yaml'));
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, /web/);
  assert.match(r.stdout, /created/);

  const pods = await webPodsRunning(3);
  for (const p of pods) assert.match(nameOf(p), /^web-[a-z0-9]+$/, 'pods are named <rs>-<random>');

  const perNode = cl.nodes.map((n) => podsOnNode(pods, n).length).sort();
  assert.deepEqual(perNode, [1, 2], `spread over both nodes (2+1): ${pods.map((p) => `${nameOf(p)}@${p.spec.nodeName ?? '-'}`).join(' ')}`);

  const apps = await appContainersOf(pods);
  assert.equal(apps.length, 3, `3 running app containers: ${apps.map((x) => x.Names.join()).join(' ')}`);
  for (const p of pods) {
    const mine = apps.filter((x) => x.Labels['skiff.io/pod-uid'] === p.metadata.uid);
    assert.equal(mine.length, 1, `one app container for ${nameOf(p)}`);
    const container = mine[0];
    assert.ok(container);
    assert.equal(container.Labels['skiff.io/node'], p.spec.nodeName, 'container on the pod node');
    assert.equal(container.Labels['skiff.io/pod-name'], nameOf(p));
    assert.equal(container.Image, 'skiff/demo-web:v1');
    assert.equal(dockerId(p.status?.containerStatuses?.[0]?.containerID), container.Id, 'status.containerStatuses[0].containerID is the Docker container');
    const infra = await cl.containers({ labels: { 'skiff.io/pod-uid': p.metadata.uid ?? '', 'skiff.io/role': 'infra' } });
    assert.equal(infra.length, 1, `one infra container for ${nameOf(p)}`);
  }

  for (const p of pods) {
    const ip = p.status?.podIP ?? '';
    const res = await waitFor(
      async () => {
        const x = await cl.httpGet(ip, 8080, '/');
        return x.status === 200 ? x : undefined;
      },
      { timeoutMs: 20_000, what: `GET http://${ip}:8080/ (${nameOf(p)}) → 200` },
    );
    assert.match(res.body, /\bv1\b/, res.body);
    assert.ok(res.body.includes(nameOf(p)), `body names the pod (hostname ${nameOf(p)}): ${res.body}`);
  }

  const rs = await waitFor(
    async () => {
      const x = await cl.client.get<ReplicaSet>('replicasets', NS, 'web');
      return x.status?.replicas === 3 && x.status.readyReplicas === 3 && x.status.observedGeneration === x.metadata.generation ? x : undefined;
    },
    { timeoutMs: 30_000, what: 'ReplicaSet web status replicas=3 readyReplicas=3' },
  );
  assert.equal(rs.status?.availableReplicas, 3);

  const table = await cl.skiffOk('get', 'pods');
  for (const p of pods) assert.equal(rowNamed(table, nameOf(p))?.['STATUS'], 'Running', table);
});

step('skiff logs shows a pod output, and --tail the last lines', 90_000, async () => {
  const cl = c();
  const [web] = await webPodsRunning(3);
  assert.ok(web);
  const webLogs = await waitFor(
    async () => {
      const r = await cl.skiff('logs', nameOf(web));
      return r.code === 0 && r.stdout.includes('demo-web v1 listening on :8080') ? r.stdout : undefined;
    },
    { timeoutMs: 20_000, what: `skiff logs ${nameOf(web)} to show demo-web's start line` },
  );
  assert.ok(webLogs.includes(nameOf(web)), `the start line names the hostname: ${webLogs}`);

  const applied = await cl.skiff('apply', '-f', fixture('logger-pod.yaml'));
  assert.equal(applied.code, 0, showRun(applied));
  try {
    await waitFor(async () => podRunning(await cl.client.get<Pod>('pods', NS, 'e2e-logger')), { timeoutMs: 60_000, what: 'e2e-logger Running' });
    const all = await waitFor(
      async () => {
        const r = await cl.skiff('logs', 'e2e-logger');
        return r.code === 0 && r.stdout.includes('hello-from-skiff') ? r.stdout : undefined;
      },
      { timeoutMs: 20_000, what: 'skiff logs e2e-logger to show hello-from-skiff' },
    );
    assert.equal(all.trimEnd(), 'line-1\nline-2\nhello-from-skiff');
    assert.equal((await cl.skiffOk('logs', 'e2e-logger', '--tail', '1')).trimEnd(), 'hello-from-skiff');
    assert.equal((await cl.skiffOk('logs', 'e2e-logger', '--tail', '2')).trimEnd(), 'line-2\nhello-from-skiff');
    assert.equal((await cl.skiffOk('logs', 'e2e-logger', '-c', 'main')).trimEnd(), 'line-1\nline-2\nhello-from-skiff');

    const missing = await cl.skiff('logs', 'e2e-no-such-pod');
    assert.notEqual(missing.code, 0, showRun(missing));
    assert.match(missing.stderr, /not found/, showRun(missing));
  } finally {
    await cl.skiff('delete', 'pod', 'e2e-logger');
  }
});

step('docker kill of an app container: the kubelet restarts it in the same pod (restartCount 1)', 90_000, async () => {
  const cl = c();
  const pods = await webPodsRunning(3);
  const victim = pods[0];
  assert.ok(victim);
  const [before] = await appContainersOf([victim]);
  assert.ok(before, `a running app container for ${nameOf(victim)}`);
  await cl.docker.getContainer(before.Id).kill({ signal: 'SIGKILL' });

  const restarted = await waitFor(
    async () => {
      const p = await cl.client.get<Pod>('pods', NS, nameOf(victim));
      const cs = p.status?.containerStatuses?.[0];
      if (cs?.restartCount === 1 && cs.state.running && dockerId(cs.containerID) !== before.Id) return p;
      throw new Error(`restartCount=${cs?.restartCount ?? '?'} state=${JSON.stringify(cs?.state)} lastState=${JSON.stringify(cs?.lastState)}`);
    },
    { timeoutMs: 60_000, what: `${nameOf(victim)} restarted by its kubelet` },
  );
  assert.equal(restarted.metadata.uid, victim.metadata.uid, 'the same pod, not a replacement');
  assert.equal(restarted.status?.containerStatuses?.[0]?.lastState.terminated?.exitCode, 137, 'lastState records the kill');
  const [after] = await appContainersOf([victim]);
  assert.ok(after && after.Id !== before.Id, 'a new container runs for the pod');
  assert.equal(dockerId(restarted.status?.containerStatuses?.[0]?.containerID), after.Id);

  const now = await webPodsRunning(3);
  assert.deepEqual(now.map(nameOf).sort(), pods.map(nameOf).sort(), 'no pod was replaced');
  const row = rowNamed(await cl.skiffOk('get', 'pods'), nameOf(victim));
  assert.match(row?.['RESTARTS'] ?? '', /^1\b/, `skiff get pods shows RESTARTS 1: ${JSON.stringify(row)}`);
});

step('skiff delete pod: the ReplicaSet replaces it with a new pod, the old containers go', 120_000, async () => {
  const cl = c();
  const pods = await webPodsRunning(3);
  const victim = nameOf(pods[0] ?? assert.fail('no pod'));
  const r = await cl.skiff('delete', 'pod', victim);
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, new RegExp(`pod "${victim}" deleted`));

  const now = await waitFor(
    async () => {
      const live = await webPodsRunning(3, 1);
      if (live.some((p) => nameOf(p) === victim)) throw new Error(`${victim} still listed`);
      return (await getOrUndefined('pods', victim)) === undefined ? live : undefined;
    },
    { timeoutMs: 90_000, what: `${victim} gone and 3 web pods Running` },
  );
  const fresh = now.filter((p) => !pods.some((o) => nameOf(o) === nameOf(p)));
  assert.equal(fresh.length, 1, `exactly one new pod: ${now.map(nameOf).join(' ')}`);
  await waitFor(async () => (await cl.containers({ all: true, labels: { 'skiff.io/pod-name': victim } })).length === 0, {
    timeoutMs: 30_000,
    what: `the containers of ${victim} removed`,
  });
});

step('scaling the ReplicaSet to 5, then back to 2 (the extra containers go)', 180_000, async () => {
  const cl = c();
  const out5 = await applyWeb(5);
  assert.match(out5, /configured|unchanged|web/);
  const five = await webPodsRunning(5);
  assert.equal((await appContainersOf(five)).length, 5, '5 running app containers');
  for (const n of cl.nodes) assert.ok(podsOnNode(five, n).length >= 2, `5 pods spread over both nodes: ${five.map((p) => p.spec.nodeName).join(' ')}`);

  await applyWeb(2);
  const two = await webPodsRunning(2);
  const keep = new Set(two.map(nameOf));
  await waitFor(
    async () => {
      const cs = await webContainers();
      const strays = cs.filter((x) => !keep.has(x.Labels['skiff.io/pod-name'] ?? ''));
      if (strays.length > 0) throw new Error(`containers of removed pods: ${strays.map((x) => `${x.Labels['skiff.io/pod-name']}/${x.Labels['skiff.io/container-name']} ${x.State}`).join(', ')}`);
      return true;
    },
    { timeoutMs: 60_000, what: 'the containers of the 3 removed pods to be gone' },
  );
  assert.equal((await appContainersOf(two)).length, 2, '2 running app containers');
  await waitFor(async () => (await cl.client.get<ReplicaSet>('replicasets', NS, 'web')).status?.replicas === 2, { timeoutMs: 30_000, what: 'RS status.replicas 2' });
});

step('a kubelet killed with SIGKILL and started again leaves its running containers untouched', 150_000, async () => {
  const cl = c();
  const pods = await webPodsRunning(2);
  const node = [...cl.nodes].sort((a, b) => podsOnNode(pods, b).length - podsOnNode(pods, a).length)[0] ?? assert.fail('no node');
  const mine = podsOnNode(pods, node);
  assert.ok(mine.length >= 1, `a node with pods: ${pods.map((p) => p.spec.nodeName).join(' ')}`);

  const running = await cl.containers({ labels: { 'skiff.io/node': node } });
  const startedAt = new Map<string, string>();
  for (const x of running) startedAt.set(x.Id, (await cl.docker.getContainer(x.Id).inspect()).State.StartedAt);
  const statusBefore = new Map(mine.map((p) => [p.metadata.uid ?? '', p.status?.containerStatuses?.[0]]));

  const events: string[] = [];
  const stream = (await cl.docker.getEvents({ filters: { type: ['container'], label: [`skiff.io/node=${node}`] } })) as NodeJS.ReadableStream & { destroy(): void };
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      const ev = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      events.push(`${ev.Action ?? '?'} ${ev.Actor?.Attributes?.['skiff.io/pod-name'] ?? ''}/${ev.Actor?.Attributes?.['skiff.io/container-name'] ?? ''} ${(ev.Actor?.ID ?? '').slice(0, 12)}`);
    }
  });
  try {
    const kubelet = cl.processOf('kubelet', node);
    const killedAt = Date.now();
    await cl.stopProcess(kubelet.name, 'SIGKILL');
    await cl.startProcessAgain(kubelet.name);

    const url = new URL(kubelet.url ?? assert.fail('kubelet url'));
    await waitFor(async () => (await cl.httpGet(url.hostname, Number(url.port), '/healthz')).status === 200, {
      timeoutMs: 30_000,
      what: `the restarted kubelet ${kubelet.name} /healthz (log: ${kubelet.log})`,
    });
    await waitFor(async () => (await cl.readyNodes()).includes(node) && (await leaseRenewedAfter(node, killedAt)), {
      timeoutMs: 60_000,
      what: `node ${node} Ready with its Lease renewed by the restarted kubelet`,
    });
    // The restarted kubelet has taken its pods back once it counts them as running.
    await waitFor(
      async () => {
        const m = await cl.httpGet(url.hostname, Number(url.port), '/metrics');
        const v = metricValue(m.body, 'kubelet_running_pods');
        if (v !== mine.length) throw new Error(`kubelet_running_pods=${String(v)}, want ${mine.length}`);
        return true;
      },
      { timeoutMs: 30_000, what: `the restarted kubelet to report its ${mine.length} running pod(s)` },
    );

    // The restarted kubelet works: a pod bound to its node starts. By then it has been through its
    // start-up (adopting or wrongly replacing the containers it found) and at least one sync.
    const pinned = `apiVersion: v1
kind: Pod
metadata:
  name: e2e-pinned
  labels: {e2e: "true"}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: skiff/busybox:latest
      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;
    const applied = await cl.skiffWith(['apply', '-f', '-'], { stdin: pinned });
    assert.equal(applied.code, 0, showRun(applied));
    await waitFor(async () => podRunning(await cl.client.get<Pod>('pods', NS, 'e2e-pinned')), {
      timeoutMs: 60_000,
      what: `a new pod bound to ${node} Running under the restarted kubelet`,
    });

    const runningAfter = (await cl.containers({ labels: { 'skiff.io/node': node } })).filter((x) => x.Labels['skiff.io/pod-name'] !== 'e2e-pinned');
    assert.deepEqual(runningAfter.map((x) => x.Id).sort(), running.map((x) => x.Id).sort(), 'the same containers run on the node');
    for (const x of runningAfter) {
      assert.equal((await cl.docker.getContainer(x.Id).inspect()).State.StartedAt, startedAt.get(x.Id), `container ${x.Id.slice(0, 12)} was not restarted`);
    }
    for (const p of mine) {
      const now = await cl.client.get<Pod>('pods', NS, nameOf(p));
      const cs = now.status?.containerStatuses?.[0];
      const was = statusBefore.get(p.metadata.uid ?? '');
      assert.equal(cs?.restartCount, was?.restartCount, `${nameOf(p)} restartCount unchanged`);
      assert.equal(cs?.containerID, was?.containerID, `${nameOf(p)} containerID unchanged`);
      assert.equal(now.status?.phase, 'Running');
    }
    const names = new Set(mine.map(nameOf));
    const churn = events.filter((e) => /^(create|start|kill|die|stop|destroy)\b/.test(e) && names.has(e.split(' ')[1]?.split('/')[0] ?? ''));
    assert.deepEqual(churn, [], "no container of the node's pods was created, stopped or removed");
  } finally {
    stream.destroy();
    await cl.skiff('delete', 'pod', 'e2e-pinned');
  }
});

step('a pod that fits nowhere stays Pending: FailedScheduling, 0/2 nodes are available: 2 Insufficient memory.', 90_000, async () => {
  const cl = c();
  const r = await cl.skiff('apply', '-f', fixture('too-big-pod.yaml'));
  assert.equal(r.code, 0, showRun(r));
  try {
    const described = await waitFor(
      async () => {
        const d = await cl.skiff('describe', 'pod', 'e2e-too-big');
        if (d.code !== 0) throw new Error(showRun(d));
        return d.stdout.includes('FailedScheduling') && d.stdout.includes('0/2 nodes are available: 2 Insufficient memory.') ? d.stdout : undefined;
      },
      { timeoutMs: 45_000, what: '`skiff describe pod e2e-too-big` to show the FailedScheduling event' },
    );
    assert.match(described, /Pending/, described);
    const pod = await cl.client.get<Pod>('pods', NS, 'e2e-too-big');
    assert.equal(pod.status?.phase ?? 'Pending', 'Pending');
    assert.equal(pod.spec.nodeName ?? '', '', 'not bound to any node');
    const cond = findCondition(pod.status?.conditions, 'PodScheduled');
    assert.equal(cond?.status, 'False', JSON.stringify(pod.status));
    assert.match(cond?.message ?? '', /Insufficient memory/, JSON.stringify(cond));
    const events = await cl.client.list<Event>('events', { namespace: NS });
    assert.ok(
      events.items.some((e) => e.involvedObject.name === 'e2e-too-big' && e.reason === 'FailedScheduling' && e.type === 'Warning'),
      'a Warning FailedScheduling Event for the pod',
    );
    assert.equal(rowNamed(await cl.skiffOk('get', 'pods'), 'e2e-too-big')?.['STATUS'], 'Pending');
  } finally {
    await cl.skiff('delete', 'pod', 'e2e-too-big');
  }
});

step('an image that is not on the machine: the pod shows ErrImageNeverPull', 90_000, async () => {
  const cl = c();
  const r = await cl.skiff('apply', '-f', fixture('missing-image-pod.yaml'));
  assert.equal(r.code, 0, showRun(r));
  try {
    await waitFor(
      async () => {
        const row = rowNamed(await cl.skiffOk('get', 'pods'), 'e2e-no-image');
        if (row?.['STATUS'] !== 'ErrImageNeverPull') throw new Error(JSON.stringify(row));
        return true;
      },
      { timeoutMs: 60_000, what: '`skiff get pods` to show e2e-no-image ErrImageNeverPull' },
    );
    const pod = await cl.client.get<Pod>('pods', NS, 'e2e-no-image');
    const waiting = pod.status?.containerStatuses?.[0]?.state.waiting;
    assert.equal(waiting?.reason, 'ErrImageNeverPull');
    assert.match(waiting?.message ?? '', /skiff\/nope:1/, 'the message names the image');
    assert.equal((await cl.containers({ all: true, labels: { 'skiff.io/pod-name': 'e2e-no-image', 'skiff.io/role': 'app' } })).length, 0, 'no app container');
    await assert.rejects(cl.docker.getImage('skiff/nope:1').inspect(), 'the image was not pulled');
  } finally {
    await cl.skiff('delete', 'pod', 'e2e-no-image');
  }
});

step('etcd stopped and started again: Unavailable meanwhile, the apiserver recovers without a restart, the cluster converges', 240_000, async () => {
  const cl = c();
  await webPodsRunning(2);
  const apiserver = cl.processOf('apiserver');
  const apiserverPid = apiserver.pid;
  const etcd = cl.processOf('etcd');
  const apiUrl = new URL(apiserver.url ?? assert.fail('apiserver url'));

  await cl.stopProcess(etcd.name, 'SIGTERM');
  const stoppedAt = Date.now();
  let etcdRunning = false;
  try {
    const r = await cl.skiffWith(['get', 'pods'], { timeoutMs: 45_000 });
    assert.ok(!r.timedOut, `skiff get pods hung while etcd was down:\n${showRun(r)}`);
    assert.notEqual(r.code, 0, showRun(r));
    assert.match(r.stderr, /unavailable/i, showRun(r));

    await assert.rejects(cl.client.list('pods', { namespace: NS }), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.reason, 'ServiceUnavailable', e.message);
      return true;
    });
    await waitFor(async () => (await cl.httpGet(apiUrl.hostname, Number(apiUrl.port), '/readyz')).status === 503, {
      timeoutMs: 20_000,
      what: 'apiserver /readyz → 503 while etcd is down',
    });

    // Keep etcd down longer than the leader-election leases (15 s) and the node Leases' renew
    // period: the scheduler and controller-manager lose leadership and must take it back.
    const outageMs = OUTAGE_MS - (Date.now() - stoppedAt);
    if (outageMs > 0) await new Promise((r) => setTimeout(r, outageMs));
    await cl.startProcessAgain(etcd.name);
    etcdRunning = true;
  } finally {
    if (!etcdRunning) await cl.startProcessAgain(etcd.name).catch((e: unknown) => process.stderr.write(`e2e: could not restart etcd: ${String(e)}\n`));
  }
  const restartedAt = Date.now();

  await waitFor(async () => (await cl.skiff('get', 'pods')).code === 0, { timeoutMs: 60_000, what: '`skiff get pods` to work again after etcd restarted' });
  assert.equal(apiserver.pid, apiserverPid);
  assert.ok(isAlive(apiserverPid), 'the apiserver was not restarted: its pid still runs');
  await waitFor(async () => (await cl.httpGet(apiUrl.hostname, Number(apiUrl.port), '/readyz')).status === 200, { timeoutMs: 30_000, what: 'apiserver /readyz → 200' });

  // Every kubelet writes again (Lease renewals resume), and a change converges through the
  // controller-manager, scheduler and kubelet watches.
  for (const node of cl.nodes) {
    await waitFor(async () => leaseRenewedAfter(node, restartedAt), { timeoutMs: 45_000, what: `Lease of ${node} renewed after etcd came back` });
  }
  await applyWeb(4);
  const four = await webPodsRunning(4, 120_000);
  assert.equal((await appContainersOf(four)).length, 4);
  await applyWeb(3);
  const three = await webPodsRunning(3, 90_000);
  const keep = new Set(three.map(nameOf));
  await waitFor(async () => (await webContainers()).every((x) => keep.has(x.Labels['skiff.io/pod-name'] ?? '')), {
    timeoutMs: 60_000,
    what: 'the containers of the scaled-down pod to be removed',
  });
});

step('deleting the ReplicaSet removes every pod and container', 120_000, async () => {
  const cl = c();
  const r = await cl.skiff('delete', 'replicaset', 'web');
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, /web.*deleted/);
  await waitFor(
    async () => {
      const pods = (await cl.client.list<Pod>('pods', { namespace: NS, labelSelector: WEB })).items;
      if (pods.length > 0) throw new Error(`pods left: ${pods.map(nameOf).join(' ')}`);
      const cs = await webContainers();
      if (cs.length > 0) throw new Error(`containers left: ${cs.map((x) => `${x.Labels['skiff.io/pod-name']}/${x.Labels['skiff.io/container-name']} ${x.State}`).join(', ')}`);
      return true;
    },
    { timeoutMs: 90_000, what: 'every web pod and container gone' },
  );
  assert.equal(await getOrUndefined('replicasets', 'web'), undefined);
  const rsTable = await cl.skiff('get', 'replicasets');
  assert.equal(rsTable.code, 0, showRun(rsTable));
  assert.equal(rowNamed(rsTable.stdout, 'web'), undefined, rsTable.stdout);
});

step('skiff down stops every process and removes every container and network of the cluster', 180_000, async () => {
  const cl = c();
  keepLogsIfFailed();
  const report = await cl.down();
  assert.ok(report.down, 'skiff down ran');
  assert.equal(report.down.code, 0, showRun(report.down));
  assert.deepEqual(report.leftoverProcesses, [], 'processes left running after skiff down');
  assert.deepEqual(report.leftoverContainers, [], 'containers left after skiff down');
  assert.deepEqual(report.leftoverNetworks, [], 'networks left after skiff down');
});
