// End-to-end: the zero-downtime rollout (issue 5) on one real local cluster (`skiff up`, 2 nodes).
// A 4-replica Deployment of skiff/demo-web:v1 (readiness GET /healthz every second, preStop
// `sleep 5`; e2e/fixtures/zero-downtime/zd.yaml says why) sits behind a NodePort Service and an
// Ingress. Two clients in the test process send requests continuously, one new connection per
// request: one to the NodePort, alternating between the node addresses, one through the ingress
// controller. While they run, `skiff set image` rolls the Deployment to v2. No request may fail,
// and the responses move from v1 to v2 (the last ones all v2). The counts are printed; a failure is
// shown against the timeline of what the cluster did (pods deleted, endpoints changed) around it.
//
// Run: node --test --test-concurrency=1 e2e/dist/zero-downtime.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import { findCondition, LABEL_SERVICE_NAME, type EndpointSlice, type Ingress, type Node, type Pod, type Service } from '@skiff/api';
import { httpGet, nameOf, showRun, waitFor, type Cluster } from './harness.js';
import { applyFileIn, fixturePath } from './fixtures.js';
import { LoadClient, type LoadTarget, type Sample } from './load-client.js';
import { withNetworkDiagnostics } from './net-diagnostics.js';
import { endpointsBecome, readyPods, service } from './net-objects.js';
import { internalIp, isLocalAddress } from './network-plan.js';
import { versionOf } from './pod-http.js';
import { clusterSuite } from './suite.js';
import { WatchedSet } from './watched-set.js';

const NS = 'e2e-zd';
const REPLICAS = 4;
const V2 = 'skiff/demo-web:v2';
/** The run ends once this many responses in a row per target are v2. */
const LAST_N = 30;
/** Bounds of the client: at most this long and this many requests per target. */
const MAX_DURATION_MS = 240_000;
const MAX_REQUESTS = 20_000;
/** Responses per target before the rollout starts. */
const WARMUP = 20;
const PROXY_MODE = process.env['SKIFF_E2E_PROXY_MODE'];

const suite = clusterSuite({
  prefix: 'e2e-zd',
  nodes: 2,
  ...(PROXY_MODE ? { upArgs: ['--proxy-mode', PROXY_MODE] } : {}),
});
const c = (): Cluster => suite.cluster();

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is missing`);
  return v;
}

let targets: LoadTarget[] = [];
let allowed: string[] = [];

suite.step('4 × demo-web v1 behind a NodePort Service and an Ingress answer on every node address and through the ingress', 180_000, async (t) => {
  const cl = c();
  await withNetworkDiagnostics(cl, 'zero-downtime setup', NS, async () => {
    const ns = await cl.skiff('create', 'namespace', NS);
    assert.equal(ns.code, 0, showRun(ns));
    // SKIFF_E2E_ZD_FIXTURE names another manifest of the same objects, for control runs (e.g.
    // without the preStop hook, to see the requests it saves fail).
    await applyFileIn(cl, process.env['SKIFF_E2E_ZD_FIXTURE'] ?? fixturePath('zero-downtime', 'zd.yaml'), NS);
    const pods = await readyPods(cl, NS, 'app=zd', REPLICAS);
    await endpointsBecome(cl, NS, 'zd', { ready: pods.map((p) => p.status?.podIP ?? '') });
    const svc = await service(cl, NS, 'zd');
    const nodePort = must(svc.spec.ports?.[0]?.nodePort, 'zd nodePort');
    const nodes = (await cl.client.list<Node>('nodes')).items.filter((n) => cl.nodes.includes(nameOf(n)));
    const addrs = nodes.map((n) => must(internalIp(n), `${nameOf(n)} InternalIP`));
    const ing = await waitFor(
      async () => {
        const i = await cl.client.get<Ingress>('ingresses', NS, 'zd');
        return i.status?.loadBalancer?.ingress?.[0]?.ip ? i : undefined;
      },
      { timeoutMs: 30_000, what: 'status.loadBalancer.ingress on Ingress zd [ingress-controller]' },
    );
    const plan = cl.network();
    const published = must(ing.status?.loadBalancer?.ingress?.[0]?.ip, 'ingress ip');
    const ingress = { host: isLocalAddress(published) ? published : must(plan.ingress, 'ingress listener').host, port: must(plan.ingress, 'ingress listener').port };
    allowed = [...addrs, ingress.host].filter((a) => isLocalAddress(a)).map((a) => `${a}/32`);
    targets = [
      { name: 'nodeport', endpoints: addrs.map((host) => ({ host, port: nodePort, path: '/' })) },
      { name: 'ingress', endpoints: [{ host: ingress.host, port: ingress.port, path: '/' }] },
    ];
    t.diagnostic(`targets: ${JSON.stringify(targets)}`);
    for (const ep of targets.flatMap((x) => x.endpoints)) {
      await waitFor(
        async () => {
          const r = await httpGet(ep.host, ep.port, ep.path, { timeoutMs: 3000, allowedCidrs: allowed });
          if (r.status !== 200 || versionOf(r.body) !== 'v1') throw new Error(`${r.status} ${r.body.slice(0, 120)}`);
          return true;
        },
        { timeoutMs: 30_000, what: `GET http://${ep.host}:${ep.port}${ep.path} → 200 v1` },
      );
    }
  });
});

interface TimelineEntry {
  at: number;
  what: string;
}

suite.step('rolling v1 → v2 under continuous traffic (NodePort on each node address, and the Ingress): no request fails, responses move from v1 to v2', 420_000, async (t) => {
  const cl = c();
  assert.ok(targets.length === 2, 'the setup step found the targets');
  const client = new LoadClient(targets, { maxRequestsPerTarget: MAX_REQUESTS, maxDurationMs: MAX_DURATION_MS, timeoutMs: 5000, pauseMs: 10, allowedCidrs: allowed });

  // What the cluster does, on the client's clock: pods (ready, deleting, gone) and the ready endpoints.
  const timeline: TimelineEntry[] = [];
  const podState = new Map<string, string>();
  const ipOwner = new Map<string, string>();
  const pods = await new WatchedSet<Pod>(cl.client, 'pods', { namespace: NS, labelSelector: 'app=zd' }).start();
  const slices = await new WatchedSet<EndpointSlice>(cl.client, 'endpointslices', { namespace: NS, labelSelector: `${LABEL_SERVICE_NAME}=zd` }).start();
  pods.on((ev, list) => {
    for (const p of list) {
      const v = (p.spec.containers[0]?.image ?? '').split(':')[1] ?? '?';
      if (p.status?.podIP) ipOwner.set(p.status.podIP, `${nameOf(p)}(${v})`);
      const s = p.metadata.deletionTimestamp ? 'terminating' : findCondition(p.status?.conditions, 'Ready')?.status === 'True' ? 'ready' : 'starting';
      if (podState.get(nameOf(p)) !== s) {
        podState.set(nameOf(p), s);
        timeline.push({ at: client.now(), what: `pod ${nameOf(p)} ${v} ${p.status?.podIP ?? ''} ${s}` });
      }
    }
    if (ev.type === 'DELETED' && ev.object) timeline.push({ at: client.now(), what: `pod ${nameOf(ev.object)} deleted` });
  });
  let lastReady = '';
  slices.on((_ev, list) => {
    const eps = list.flatMap((s) => s.endpoints.flatMap((e) => e.addresses.map((ip) => ({ ip, ready: e.conditions?.ready !== false, terminating: e.conditions?.terminating === true }))));
    const ready = eps.filter((e) => e.ready).map((e) => ipOwner.get(e.ip) ?? e.ip).sort().join(' ');
    const term = eps.filter((e) => e.terminating).map((e) => ipOwner.get(e.ip) ?? e.ip).sort().join(' ');
    const text = `ready: ${ready || '-'}${term ? ` | terminating: ${term}` : ''}`;
    if (text !== lastReady) {
      lastReady = text;
      timeline.push({ at: client.now(), what: `endpointslices ${text}` });
    }
  });

  const counts = (): string =>
    targets
      .map((x) => {
        const s = client.stats(x.name);
        return `${x.name}: ${s.total} requests (${s.rate}/s, max ${s.maxLatencyMs} ms), ${s.ok} ok [${Object.entries(s.byVersion).map(([k, v]) => `${k} ${v}`).join(', ')}], ${s.failed} failed`;
      })
      .join('\n');
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(3)}s`;
  const around = (f: Sample): string =>
    [...timeline]
      .sort((a, b) => a.at - b.at)
      .filter((e) => Math.abs(e.at - f.at) < 6000)
      .map((e) => `      ${fmt(e.at)} ${e.what}`)
      .join('\n');

  let rolloutAt = 0;
  let rolledOutAt = 0;
  let oldGoneAt = 0;
  let rolloutRun = '';
  client.start();
  try {
    await withNetworkDiagnostics(cl, 'zero-downtime rollout', NS, async () => {
      await waitFor(
        () => {
          const failed = client.samples.filter((s) => !s.ok);
          if (failed.length > 0) throw new Error(`requests failed before the rollout started: ${failed.slice(0, 5).map((f) => `${f.endpoint} ${f.error ?? ''}`).join('; ')}`);
          return targets.every((x) => client.of(x.name).filter((s) => s.ok && s.version === 'v1').length >= WARMUP);
        },
        { timeoutMs: 30_000, what: `${WARMUP} v1 responses per target before the rollout` },
      );
      rolloutAt = client.now();
      timeline.push({ at: rolloutAt, what: `skiff set image deployment/zd web=${V2}` });
      const set = await cl.skiff('set', 'image', 'deployment/zd', '-n', NS, `web=${V2}`);
      assert.equal(set.code, 0, showRun(set));
      const status = await cl.skiffWith(['rollout', 'status', 'deployment/zd', '-n', NS], { timeoutMs: 180_000 });
      rolloutRun = showRun(status);
      assert.equal(status.code, 0, rolloutRun);
      rolledOutAt = client.now();
      timeline.push({ at: rolledOutAt, what: 'skiff rollout status: successfully rolled out' });
      // The old pods are still stopping (preStop, then SIGTERM): that is when a request could fail,
      // so traffic goes on until every old pod is gone from the API, and LAST_N requests beyond.
      await pods.until((list) => list.length === REPLICAS && list.every((p) => p.spec.containers[0]?.image === V2 && !p.metadata.deletionTimestamp), {
        timeoutMs: 90_000,
        what: `only the ${REPLICAS} v2 pods left (every v1 pod deleted)`,
      });
      oldGoneAt = client.now();
      timeline.push({ at: oldGoneAt, what: 'every v1 pod is gone' });
      await waitFor(() => targets.every((x) => client.of(x.name).filter((y) => y.at > oldGoneAt).length >= LAST_N && client.lastAre(x.name, LAST_N, 'v2')), {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: `${LAST_N} more responses per target after the last v1 pod went, the last ${LAST_N} all v2`,
      }).catch((e: unknown) => {
        throw new Error(`${e instanceof Error ? e.message : String(e)}\n${counts()}`);
      });
    });
  } finally {
    await client.stop();
    pods.close();
    slices.close();
  }

  const summary = `${counts()}\nrollout: set image at ${fmt(rolloutAt)}, rolled out at ${fmt(rolledOutAt)}, last v1 pod gone at ${fmt(oldGoneAt)}; client stopped at ${fmt(client.now())}`;
  t.diagnostic(summary);
  process.stderr.write(`zero-downtime: ${summary.replace(/\n/g, '\n  ')}\n`);

  // No request failed, on either path; each failure shown against what the cluster did then.
  const failures = client.samples.filter((s) => !s.ok);
  if (failures.length > 0) {
    const shown = failures.slice(0, 15).map((f) => `  ${fmt(f.at)} ${f.target} ${f.endpoint}: ${f.error ?? ''} (${Math.round(f.durationMs)} ms)\n${around(f)}`);
    assert.fail(`${failures.length} request(s) failed during the rollout:\n${shown.join('\n')}\n${summary}\n--- whole timeline ---\n${[...timeline].sort((a, b) => a.at - b.at).map((e) => `  ${fmt(e.at)} ${e.what}`).join('\n')}`);
  }
  for (const x of targets) {
    const s = client.of(x.name);
    assert.equal(s[0]?.version, 'v1', `${x.name}: the first response was v1`);
    assert.ok(s.some((y) => y.version === 'v1' && y.at > rolloutAt), `${x.name}: v1 still answered after the rollout began (the old pods served until replaced)`);
    assert.ok(client.lastAre(x.name, LAST_N, 'v2'), `${x.name}: the last ${LAST_N} responses were v2`);
    // Once the rollout is done, no v1 answers (the old pods are out of the endpoints).
    const lateV1 = s.filter((y) => y.version === 'v1' && y.at > rolledOutAt + 2000);
    assert.deepEqual(lateV1.map((y) => `${fmt(y.at)} ${y.endpoint}`), [], `${x.name}: v1 answers more than 2 s after the rollout finished`);
  }
  const final = await readyPods(cl, NS, 'app=zd', REPLICAS, 60_000);
  assert.ok(final.every((p) => p.spec.containers[0]?.image === V2), 'all 4 pods run v2');
  const svc = await cl.client.get<Service>('services', NS, 'zd');
  assert.equal(svc.spec.type, 'NodePort');
});
