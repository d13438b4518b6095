// End-to-end: Deployments, garbage collection and namespaces (issue 3) on one real local cluster
// (`skiff up`, 2 nodes, real Docker containers), driven with the `skiff` CLI as a user drives it and
// checked as a user would look: `skiff get/describe/rollout`, HTTP to pod IPs, `docker ps` by the
// cluster's labels, and watches that see every state a rollout goes through. The steps share the
// cluster and run in order; each creates the Deployment it acts on.
//
// Run: node --test --test-concurrency=1 e2e/dist/deployments.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ApiError, controllerOf, findCondition, type Deployment, type DeploymentStrategy, type KubeObject, type Namespace, type Pod, type ReplicaSet, type Scale } from '@skiff/api';
import { nameOf, podRunning, showRun, waitFor, type Cluster, type RunResult } from './harness.js';
import { getOrUndefined as objectOrUndefined } from './objects.js';
import { clusterSuite } from './suite.js';
import { parseTable, rowNamed } from './table.js';
import { WatchedSet } from './watched-set.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/deployments/', import.meta.url));
const fixture = (f: string): string => `${FIXTURES}${f}`;
const NS = 'default';
const V1 = 'skiff/demo-web:v1';
const V2 = 'skiff/demo-web:v2';
const MISSING = 'skiff/demo-web:nope';
const BUSYBOX = 'skiff/busybox:latest';
/**
 * A container that ignores SIGTERM, so its pod takes its whole grace period to stop (the kubelet runs
 * containers under an init, so demo-web itself stops at once): it keeps an owner or a namespace in
 * its deleting state long enough to be seen there.
 */
const SLOW_STOP = ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"];
const REVISION = 'deployment.kubernetes.io/revision';
/** How long `skiff rollout status` may follow a rollout before the run counts as hung. */
const ROLLOUT_MS = 150_000;

const suite = clusterSuite({ prefix: 'e2e-deploy', nodes: 2 });
const c = (): Cluster => suite.cluster();
const step = suite.step;

// ---- helpers ----------------------------------------------------------------------------------

interface DeploymentOptions {
  name: string;
  replicas: number;
  image?: string;
  command?: string[];
  strategy?: DeploymentStrategy;
  progressDeadlineSeconds?: number;
  gracePeriodSeconds?: number;
}

/** A Deployment (demo-web v1 unless told) labelled `app=<name>`, its container named `web`; no namespace (`-n` decides). */
function deploymentOf(o: DeploymentOptions): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, labels: { app: o.name, e2e: 'deployments' } },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.name } },
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      template: {
        metadata: { labels: { app: o.name } },
        spec: {
          terminationGracePeriodSeconds: o.gracePeriodSeconds ?? 2,
          containers: [
            {
              name: 'web',
              image: o.image ?? V1,
              ...(o.command ? { command: o.command } : { ports: [{ containerPort: 8080 }] }),
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

async function apply(d: Deployment, namespace?: string): Promise<void> {
  const r = await c().skiffWith(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { stdin: JSON.stringify(d) });
  assert.equal(r.code, 0, showRun(r));
}

async function applyFile(file: string): Promise<RunResult> {
  return c().skiff('apply', '-f', fixture(file));
}

/** `skiff rollout status deployment/NAME` must report success. */
async function rolledOut(name: string, namespace = NS): Promise<string> {
  const r = await c().skiffWith(['rollout', 'status', `deployment/${name}`, '-n', namespace], { timeoutMs: ROLLOUT_MS });
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, new RegExp(`deployment "${name}" successfully rolled out`), showRun(r));
  return r.stdout;
}

/** The object, or undefined when it does not exist. */
function getOrUndefined<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T | undefined> {
  return objectOrUndefined<T>(c().client, resource, namespace, name);
}

function imageOf(p: Readonly<Pod>): string {
  return p.spec.containers[0]?.image ?? '';
}

function terminating(o: Readonly<KubeObject>): boolean {
  return o.metadata.deletionTimestamp !== undefined;
}

/** Available with minReadySeconds 0: Ready, and not being deleted. */
function available(p: Readonly<Pod>): boolean {
  return !terminating(p) && findCondition(p.status?.conditions, 'Ready')?.status === 'True';
}

/**
 * Counted against maxSurge: not being deleted and not in a terminal phase. Pods already terminating
 * are not counted, as in Kubernetes (a ReplicaSet's replicas leave them out).
 */
function counted(p: Readonly<Pod>): boolean {
  return !terminating(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function describePods(pods: readonly Pod[]): string {
  return (
    pods
      .map((p) => `${nameOf(p)}(${imageOf(p).split(':')[1] ?? '?'} ${p.status?.phase ?? 'Pending'}${available(p) ? ' ready' : ''}${terminating(p) ? ' terminating' : ''})`)
      .join(' ') || 'no pods'
  );
}

async function podsOf(app: string, namespace = NS): Promise<Pod[]> {
  return (await c().client.list<Pod>('pods', { namespace, labelSelector: `app=${app}` })).items;
}

/** Exactly `n` pods of `app`, all available, with `image`, none terminating. */
async function podsSettled(app: string, n: number, image: string, namespace = NS, timeoutMs = 90_000): Promise<Pod[]> {
  return waitFor(
    async () => {
      const pods = await podsOf(app, namespace);
      const ok = pods.length === n && pods.every((p) => available(p) && podRunning(p) && imageOf(p) === image && p.status?.podIP);
      if (!ok) throw new Error(describePods(pods));
      return pods;
    },
    { timeoutMs, what: `${n} available ${image} pods of ${app}, none terminating` },
  );
}

/** The ReplicaSets a Deployment controls, oldest first. */
async function replicaSetsOf(d: Readonly<Deployment>): Promise<ReplicaSet[]> {
  const l = await c().client.list<ReplicaSet>('replicasets', { namespace: d.metadata.namespace ?? NS, labelSelector: `app=${nameOf(d)}` });
  return l.items
    .filter((rs) => controllerOf(rs)?.uid === d.metadata.uid)
    .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || nameOf(a).localeCompare(nameOf(b)));
}

function describeRSs(list: readonly ReplicaSet[]): string {
  return list.map((rs) => `${nameOf(rs)}(rev ${rs.metadata.annotations?.[REVISION] ?? '-'}, replicas ${rs.spec.replicas ?? '-'}, ${rs.spec.template.spec.containers[0]?.image ?? '?'})`).join(' ') || 'none';
}

/** Every pod answers GET / on its pod IP with a body naming `version`. */
async function allAnswer(pods: readonly Pod[], version: string): Promise<void> {
  for (const p of pods) {
    const ip = p.status?.podIP ?? assert.fail(`${nameOf(p)} has no pod IP`);
    const body = await waitFor(
      async () => {
        const res = await c().httpGet(ip, 8080, '/');
        return res.status === 200 ? res.body : undefined;
      },
      { timeoutMs: 20_000, what: `GET http://${ip}:8080/ (${nameOf(p)}) → 200` },
    );
    assert.match(body, new RegExp(`\\b${version}\\b`), `${nameOf(p)} at ${ip}: ${body}`);
  }
}

/** Revision numbers `skiff rollout history` lists. */
function historyRevisions(out: string): number[] {
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s/.exec(`${l} `)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

/** Running app containers on the cluster's nodes with this image (docker ps by node label). */
async function runningWithImage(image: string, namespace = NS): Promise<string[]> {
  const cs = await c().containers({ labels: { 'skiff.io/role': 'app', 'skiff.io/pod-namespace': namespace } });
  return cs.filter((x) => x.Image === image).map((x) => `${x.Labels['skiff.io/pod-name'] ?? '?'} ${x.Id.slice(0, 12)}`);
}

/** A non-zero exit with a message matching every pattern, and no stack trace. */
function assertRefused(r: RunResult, ...patterns: RegExp[]): void {
  assert.ok(!r.timedOut && r.code !== 0 && r.code !== null, `expected a non-zero exit:\n${showRun(r)}`);
  for (const re of patterns) assert.match(`${r.stdout}${r.stderr}`, re, showRun(r));
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+:\d+/, `a stack trace is not a clear error:\n${showRun(r)}`);
}

/**
 * `skiff set image deployment/APP web=v2`, followed to its end (`n` available v2 pods and nothing
 * else) by a watch on the pods of `app` that checks `check` at every state it delivers, the whole
 * set as of each event. Returns the violations.
 */
async function watchedUpdateToV2(app: string, n: number, check: (pods: readonly Pod[]) => string | undefined): Promise<string[]> {
  const set = await new WatchedSet<Pod>(c().client, 'pods', { namespace: NS, labelSelector: `app=${app}` }).start();
  const violations: string[] = [];
  set.on((ev, pods) => {
    const v = check(pods);
    if (v !== undefined && violations.length < 20) violations.push(`${v} after ${ev.type} ${ev.object ? nameOf(ev.object) : ''}: ${describePods(pods)}`);
  });
  try {
    const r = await c().skiff('set', 'image', `deployment/${app}`, `web=${V2}`);
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /image updated/, showRun(r));
    await rolledOut(app);
    await set.until((pods) => pods.length === n && pods.every((p) => imageOf(p) === V2 && available(p)), {
      timeoutMs: 60_000,
      what: `the pod watch to show exactly ${n} available v2 pods of ${app}`,
    });
  } finally {
    set.close();
  }
  assert.equal(set.relists, 0, 'the pod watch had to relist: some states of the rollout were not seen');
  return violations;
}

// ---- the suite ---------------------------------------------------------------------------------

step('rolling update 4 × v1 → v2 (maxSurge 1, maxUnavailable 0): never < 4 available nor > 5 pods; undo reuses the first ReplicaSet', 300_000, async () => {
  const cl = c();
  const created = await applyFile('web.yaml');
  assert.equal(created.code, 0, showRun(created));
  assert.match(created.stdout, /web.*created/, showRun(created));
  await rolledOut('web');
  const v1Pods = await podsSettled('web', 4, V1);
  await allAnswer(v1Pods, 'v1');

  const web = await cl.client.get<Deployment>('deployments', NS, 'web');
  const [first, ...others] = await replicaSetsOf(web);
  assert.ok(first, 'the Deployment has a ReplicaSet');
  assert.deepEqual(others, [], describeRSs(await replicaSetsOf(web)));
  const hash = first.metadata.labels?.['pod-template-hash'] ?? '';
  assert.ok(hash !== '', `the ReplicaSet has a pod-template-hash label: ${JSON.stringify(first.metadata.labels)}`);
  assert.equal(nameOf(first), `web-${hash}`, 'ReplicaSets are named <deployment>-<pod-template-hash>');
  assert.equal(first.spec.selector.matchLabels?.['pod-template-hash'], hash, 'the hash is in the ReplicaSet selector');
  assert.equal(first.metadata.annotations?.[REVISION], '1');
  assert.equal(controllerOf(first)?.kind, 'Deployment');
  for (const p of v1Pods) assert.equal(p.metadata.labels?.['pod-template-hash'], hash, `${nameOf(p)} carries the hash`);

  // The change-cause on the Deployment is carried to the ReplicaSet the update makes.
  await cl.skiffOk('annotate', 'deployment/web', 'kubernetes.io/change-cause=e2e: update to v2');
  let maxCounted = 0;
  const violations = await watchedUpdateToV2('web', 4, (pods) => {
    const n = pods.filter(counted).length;
    maxCounted = Math.max(maxCounted, n);
    const avail = pods.filter(available).length;
    if (avail < 4) return `only ${avail} available pods`;
    if (n > 5) return `${n} pods`;
    return undefined;
  });
  assert.deepEqual(violations, [], 'the rollout went below 4 available pods or above 5 pods');
  assert.equal(maxCounted, 5, 'maxSurge 1: the rollout runs one extra pod at a time');

  const v2Pods = await podsSettled('web', 4, V2);
  await allAnswer(v2Pods, 'v2');
  await waitFor(
    async () => {
      const left = await runningWithImage(V1);
      if (left.length > 0) throw new Error(`v1 containers still running: ${left.join(', ')}`);
      return true;
    },
    { timeoutMs: 30_000, what: 'no demo-web:v1 container running on the cluster' },
  );
  assert.equal((await runningWithImage(V2)).length, 4, '4 running demo-web:v2 containers');

  const history = await cl.skiffOk('rollout', 'history', 'deployment/web');
  assert.deepEqual(historyRevisions(history), [1, 2], history);
  assert.match(history, /^\s*2\s+e2e: update to v2\s*$/m, `revision 2 shows its change-cause:\n${history}`);
  const afterUpdate = await replicaSetsOf(web);
  assert.equal(afterUpdate.length, 2, describeRSs(afterUpdate));

  const undo = await cl.skiff('rollout', 'undo', 'deployment/web');
  assert.equal(undo.code, 0, showRun(undo));
  assert.match(undo.stdout, /rolled back/, showRun(undo));
  await rolledOut('web');
  const back = await podsSettled('web', 4, V1);
  await allAnswer(back, 'v1');
  const afterUndo = await replicaSetsOf(web);
  assert.equal(afterUndo.length, 2, `undo must reuse the first ReplicaSet, not create a third: ${describeRSs(afterUndo)}`);
  const reused = afterUndo.find((rs) => rs.metadata.uid === first.metadata.uid);
  assert.ok(reused, `the first ReplicaSet (${nameOf(first)}) is still there: ${describeRSs(afterUndo)}`);
  assert.equal(reused.metadata.annotations?.[REVISION], '3', 'its revision moves to the newest');
  assert.equal(reused.spec.replicas, 4);
  for (const p of back) assert.equal(p.metadata.labels?.['pod-template-hash'], hash, `${nameOf(p)} belongs to the first ReplicaSet`);
  assert.deepEqual(historyRevisions(await cl.skiffOk('rollout', 'history', 'deployment/web')), [2, 3]);
});

step('skiff scale deployment/web --replicas 6: 6 pods, `skiff get deploy` READY 6/6; describe shows ScalingReplicaSet events', 150_000, async () => {
  const cl = c();
  const r = await cl.skiff('scale', 'deployment/web', '--replicas', '6');
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, /web.*scaled/, showRun(r));
  await podsSettled('web', 6, V1);
  const scale = await cl.client.get<Scale>('deployments', NS, 'web', { subresource: 'scale' });
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.spec.replicas, 6);
  const row = await waitFor(
    async () => {
      const out = await cl.skiffOk('get', 'deploy');
      const w = rowNamed(out, 'web');
      if (w?.['READY'] !== '6/6') throw new Error(out);
      return w;
    },
    { timeoutMs: 30_000, what: '`skiff get deploy` to show web READY 6/6' },
  );
  assert.equal(row['UP-TO-DATE'], '6', JSON.stringify(row));
  assert.equal(row['AVAILABLE'], '6', JSON.stringify(row));

  const described = await cl.skiffOk('describe', 'deployment', 'web');
  assert.match(described, /ScalingReplicaSet/, described);
  assert.match(described, /Scaled up replica set web-[a-z0-9]+/, described);
  assert.match(described, /Scaled down replica set web-[a-z0-9]+/, described);

  // Back to 4 for what follows (and a lighter machine).
  await cl.skiffOk('scale', 'deployment/web', '--replicas', '4');
  await podsSettled('web', 4, V1);
});

step('bad input: a clear error naming the field, nothing changed', 120_000, async (t) => {
  const cl = c();
  const cases: { name: string; file: string; created: string; expect: RegExp[] }[] = [
    { name: 'invalid strategy type', file: 'bad/strategy-type.yaml', created: 'bad-strategy', expect: [/spec\.strategy\b/, /BlueGreen/, /Recreate.*RollingUpdate|RollingUpdate.*Recreate/] }, // Kubernetes names spec.strategy here
    { name: 'maxSurge and maxUnavailable both 0', file: 'bad/zero-surge-unavailable.yaml', created: 'bad-zero', expect: [/spec\.strategy\.rollingUpdate\.max(Unavailable|Surge)/, /0/] },
    { name: 'selector not matching the template labels', file: 'bad/selector-mismatch.yaml', created: 'bad-selector', expect: [/spec\.template\.metadata\.labels/, /selector/i] },
    { name: 'negative replicas', file: 'bad/negative-replicas.yaml', created: 'bad-replicas', expect: [/spec\.replicas/, /greater than or equal to 0|-1/] },
  ];
  for (const k of cases) {
    await t.test(k.name, async () => {
      assertRefused(await applyFile(k.file), /is invalid/, ...k.expect);
      assert.equal(await getOrUndefined('deployments', NS, k.created), undefined, `${k.created} must not be created`);
    });
  }

  const before = await cl.client.get<Deployment>('deployments', NS, 'web');
  const rssBefore = describeRSs(await replicaSetsOf(before));
  const unchanged = async (): Promise<void> => {
    const now = await cl.client.get<Deployment>('deployments', NS, 'web');
    assert.equal(now.metadata.generation, before.metadata.generation, 'generation unchanged');
    assert.deepEqual(now.spec, before.spec, 'spec unchanged');
    assert.equal(describeRSs(await replicaSetsOf(now)), rssBefore, 'ReplicaSets unchanged');
  };
  await t.test('updating the selector of an existing deployment', async () => {
    assertRefused(await applyFile('bad/web-new-selector.yaml'), /spec\.selector/, /immutable/);
    await unchanged();
  });
  await t.test('rollout undo --to-revision 99', async () => {
    assertRefused(await cl.skiff('rollout', 'undo', 'deployment/web', '--to-revision', '99'), /revision/, /99/);
    await unchanged();
  });
  await t.test('scale to -1 (CLI and the scale subresource)', async () => {
    assertRefused(await cl.skiff('scale', 'deployment/web', '--replicas=-1'), /replicas/);
    const scale = await cl.client.get<Scale>('deployments', NS, 'web', { subresource: 'scale' });
    await assert.rejects(cl.client.update('deployments', { ...scale, spec: { replicas: -1 } }, { subresource: 'scale' }), (e: unknown) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.reason, 'Invalid', e.message);
      assert.match(e.message, /spec\.replicas/);
      return true;
    });
    await unchanged();
  });
});

step('Recreate v1 → v2: v1 and v2 pods never exist at once', 180_000, async () => {
  const cl = c();
  const created = await applyFile('recreate.yaml');
  assert.equal(created.code, 0, showRun(created));
  await rolledOut('web-recreate');
  await podsSettled('web-recreate', 3, V1);
  const violations = await watchedUpdateToV2('web-recreate', 3, (pods) => {
    // A pod not in a terminal phase may have its container running (also while it terminates).
    const live = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const versions = new Set(live.map(imageOf));
    return versions.has(V1) && versions.has(V2) ? 'v1 and v2 pods at once' : undefined;
  });
  assert.deepEqual(violations, []);
  await allAnswer(await podsSettled('web-recreate', 3, V2), 'v2');
  await cl.skiffOk('delete', 'deployment', 'web-recreate', '--wait=false');
});

step('pause, two template changes, resume: exactly one rollout (one new ReplicaSet)', 180_000, async () => {
  const cl = c();
  await apply(deploymentOf({ name: 'web-pause', replicas: 2 }));
  await rolledOut('web-pause');
  await podsSettled('web-pause', 2, V1);
  const rsWatch = await new WatchedSet<ReplicaSet>(cl.client, 'replicasets', { namespace: NS, labelSelector: 'app=web-pause' }).start();
  const seen = new Set<string>();
  const off = rsWatch.on((_ev, list) => list.forEach((rs) => seen.add(nameOf(rs))));
  try {
    assert.equal(seen.size, 1, `one ReplicaSet before the changes: ${[...seen].join(' ')}`);
    const paused = await cl.skiff('rollout', 'pause', 'deployment/web-pause');
    assert.equal(paused.code, 0, showRun(paused));
    assert.match(paused.stdout, /paused/, showRun(paused));
    assert.equal((await cl.client.get<Deployment>('deployments', NS, 'web-pause')).spec.paused, true);

    await cl.skiffOk('set', 'image', 'deployment/web-pause', `web=${V2}`);
    const changed = await cl.client.patch<Deployment>('deployments', NS, 'web-pause', { spec: { template: { metadata: { annotations: { 'e2e.skiff.io/second-change': 'yes' } } } } });
    const generation = changed.metadata.generation ?? assert.fail('no generation');
    // A level signal: the controller has seen both changes (and did not roll them out).
    const observed = await waitFor(
      async () => {
        const d = await cl.client.get<Deployment>('deployments', NS, 'web-pause');
        return (d.status?.observedGeneration ?? 0) >= generation ? d : undefined;
      },
      { timeoutMs: 30_000, what: `status.observedGeneration ≥ ${generation} on the paused web-pause` },
    );
    assert.equal(seen.size, 1, `no new ReplicaSet while paused: ${[...seen].join(' ')}`);
    assert.equal(rsWatch.list().length, 1);
    assert.equal(observed.status?.updatedReplicas ?? 0, 0, 'no pod of the new template while paused');
    assert.deepEqual((await podsOf('web-pause')).map(imageOf), [V1, V1], 'the v1 pods keep running');

    const resumed = await cl.skiff('rollout', 'resume', 'deployment/web-pause');
    assert.equal(resumed.code, 0, showRun(resumed));
    assert.match(resumed.stdout, /resumed/, showRun(resumed));
    await rolledOut('web-pause');
    await podsSettled('web-pause', 2, V2);
  } finally {
    off();
    rsWatch.close();
  }
  assert.equal(seen.size, 2, `exactly one new ReplicaSet after resume: ${[...seen].join(' ')}`);
  const d = await cl.client.get<Deployment>('deployments', NS, 'web-pause');
  const rss = await replicaSetsOf(d);
  const newest = rss.find((rs) => rs.metadata.annotations?.[REVISION] === '2');
  assert.ok(newest, describeRSs(rss));
  assert.equal(newest.spec.template.spec.containers[0]?.image, V2, 'the one rollout carries the image change');
  assert.equal(newest.spec.template.metadata?.annotations?.['e2e.skiff.io/second-change'], 'yes', '... and the second change');
  assert.deepEqual(historyRevisions(await cl.skiffOk('rollout', 'history', 'deployment/web-pause')), [1, 2]);
  await cl.skiffOk('delete', 'deployment', 'web-pause', '--wait=false');
});

step('a rollout to an image that is not present exceeds progressDeadlineSeconds 10: rollout status fails, the old pods keep serving', 180_000, async () => {
  const cl = c();
  await assert.rejects(cl.docker.getImage(MISSING).inspect(), `${MISSING} must not be on this machine`);
  await apply(deploymentOf({ name: 'web-deadline', replicas: 2, progressDeadlineSeconds: 10 }));
  await rolledOut('web-deadline');
  const old = await podsSettled('web-deadline', 2, V1);

  await cl.skiffOk('set', 'image', 'deployment/web-deadline', `web=${MISSING}`);
  const status = await cl.skiffWith(['rollout', 'status', 'deployment/web-deadline'], { timeoutMs: 90_000 });
  assertRefused(status, /deployment "web-deadline" exceeded its progress deadline/);

  const d = await cl.client.get<Deployment>('deployments', NS, 'web-deadline');
  const progressing = findCondition(d.status?.conditions, 'Progressing');
  assert.equal(progressing?.status, 'False', JSON.stringify(d.status));
  assert.equal(progressing?.reason, 'ProgressDeadlineExceeded', JSON.stringify(d.status));
  const pods = await podsOf('web-deadline');
  const stillV1 = pods.filter((p) => imageOf(p) === V1);
  assert.deepEqual(stillV1.map(nameOf).sort(), old.map(nameOf).sort(), `the old pods are kept: ${describePods(pods)}`);
  assert.ok(stillV1.every(available), describePods(pods));
  await allAnswer(stillV1, 'v1');
  const stuck = pods.filter((p) => imageOf(p) === MISSING);
  assert.ok(stuck.length >= 1, `a pod of the new template exists: ${describePods(pods)}`);
  for (const p of stuck) assert.equal(p.status?.containerStatuses?.[0]?.state.waiting?.reason, 'ErrImageNeverPull', JSON.stringify(p.status));
  await assert.rejects(cl.docker.getImage(MISSING).inspect(), 'the image was not pulled');
  await cl.skiffOk('delete', 'deployment', 'web-deadline', '--wait=false');
});

step('deleting a Deployment: orphan keeps the ReplicaSet and pods, foreground waits for them, background removes everything', 240_000, async (t) => {
  const cl = c();
  const names = ['gc-orphan', 'gc-fg', 'gc-bg'];
  // gc-fg's pods take their 3 s grace period to stop: the Deployment is seen waiting for them.
  const slow = { image: BUSYBOX, command: SLOW_STOP, gracePeriodSeconds: 3 };
  for (const name of names) await apply(deploymentOf({ name, replicas: 2, ...(name === 'gc-fg' ? slow : {}) }));
  const deployments = new Map<string, Deployment>();
  for (const name of names) {
    await rolledOut(name);
    await podsSettled(name, 2, name === 'gc-fg' ? BUSYBOX : V1);
    deployments.set(name, await cl.client.get<Deployment>('deployments', NS, name));
  }

  await t.test('--cascade=orphan: ReplicaSet and pods kept, their owner reference to the Deployment removed', async () => {
    const d = deployments.get('gc-orphan') ?? assert.fail('gc-orphan');
    const [rs, ...more] = await replicaSetsOf(d);
    assert.ok(rs && more.length === 0);
    const pods = await podsOf('gc-orphan');
    const r = await cl.skiff('delete', 'deployment', 'gc-orphan', '--cascade=orphan');
    assert.equal(r.code, 0, showRun(r));
    await waitFor(async () => (await getOrUndefined('deployments', NS, 'gc-orphan')) === undefined, { timeoutMs: 30_000, what: 'gc-orphan gone' });
    const kept = await cl.client.get<ReplicaSet>('replicasets', NS, nameOf(rs));
    assert.equal(kept.metadata.uid, rs.metadata.uid, 'the same ReplicaSet');
    assert.deepEqual(kept.metadata.ownerReferences ?? [], [], 'no owner reference left on the ReplicaSet');
    assert.equal(kept.metadata.deletionTimestamp, undefined);
    assert.equal(kept.spec.replicas, 2);
    const now = await podsOf('gc-orphan');
    assert.deepEqual(now.map((p) => p.metadata.uid).sort(), pods.map((p) => p.metadata.uid).sort(), `the same pods: ${describePods(now)}`);
    assert.ok(now.every(available), describePods(now));
    for (const p of now) assert.equal(controllerOf(p)?.uid, rs.metadata.uid, `${nameOf(p)} still controlled by its ReplicaSet`);
    await allAnswer(now, 'v1');
    await cl.skiffOk('delete', 'replicaset', nameOf(rs), '--wait=false');
  });

  await t.test('--cascade=foreground: the Deployment stays (foregroundDeletion) until its ReplicaSets and pods are gone', async () => {
    const pods = await podsOf('gc-fg');
    // DELETED events carry the deletion's etcd revision, comparable across resources.
    const deletedAt = new Map<string, number>();
    let sawFinalizer = false;
    const sets = ['deployments', 'replicasets', 'pods'].map((resource) => {
      const s = new WatchedSet<KubeObject>(cl.client, resource, { namespace: NS, labelSelector: 'app=gc-fg' });
      s.on((ev) => {
        if (ev.type === 'DELETED') deletedAt.set(`${resource}/${nameOf(ev.object)}`, Number(ev.object.metadata.resourceVersion));
        if (ev.type === 'MODIFIED' && resource === 'deployments' && terminating(ev.object) && ev.object.metadata.finalizers?.includes('foregroundDeletion')) sawFinalizer = true;
      });
      return s;
    });
    for (const s of sets) await s.start();
    try {
      const r = await cl.skiff('delete', 'deployment', 'gc-fg', '--cascade=foreground', '--wait=false');
      assert.equal(r.code, 0, showRun(r));
      // Right after the call the Deployment is still there, being deleted (its pods take 3 s to stop).
      const right = await getOrUndefined<Deployment>('deployments', NS, 'gc-fg');
      assert.ok(right, 'the Deployment is still there right after a foreground delete');
      assert.ok(right.metadata.deletionTimestamp, 'the Deployment has a deletionTimestamp');
      assert.ok(right.metadata.finalizers?.includes('foregroundDeletion'), `finalizers: ${JSON.stringify(right.metadata.finalizers)}`);
      await waitFor(() => sets.every((s) => s.list().length === 0), { timeoutMs: 60_000, what: 'the Deployment, its ReplicaSet and its pods all gone (watch)' });
    } finally {
      sets.forEach((s) => s.close());
    }
    assert.ok(sawFinalizer, 'the watch saw the Deployment with a deletionTimestamp and the foregroundDeletion finalizer');
    const dAt = deletedAt.get('deployments/gc-fg') ?? assert.fail(`no DELETED event for the Deployment: ${JSON.stringify([...deletedAt])}`);
    const dependents = [...deletedAt].filter(([k]) => !k.startsWith('deployments/'));
    assert.equal(dependents.filter(([k]) => k.startsWith('replicasets/')).length, 1, JSON.stringify(dependents));
    assert.deepEqual(dependents.filter(([k]) => k.startsWith('pods/')).map(([k]) => k.slice('pods/'.length)).sort(), pods.map(nameOf).sort());
    const late = dependents.filter(([, at]) => at > dAt);
    assert.deepEqual(late, [], `dependents deleted after the Deployment (revision ${dAt})`);
  });

  await t.test('background (default): the Deployment, its ReplicaSet, pods and containers all go', async () => {
    const pods = await podsOf('gc-bg');
    const uids = new Set(pods.map((p) => p.metadata.uid ?? ''));
    const r = await cl.skiff('delete', 'deployment', 'gc-bg');
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /gc-bg.*deleted/, showRun(r));
    await waitFor(
      async () => {
        const left: string[] = [];
        if (await getOrUndefined('deployments', NS, 'gc-bg')) left.push('deployment');
        left.push(...(await cl.client.list<ReplicaSet>('replicasets', { namespace: NS, labelSelector: 'app=gc-bg' })).items.map((x) => `rs ${nameOf(x)}`));
        left.push(...(await podsOf('gc-bg')).map((x) => `pod ${nameOf(x)}`));
        const cs = await cl.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } });
        left.push(...cs.filter((x) => uids.has(x.Labels['skiff.io/pod-uid'] ?? '')).map((x) => `container ${x.Labels['skiff.io/pod-name'] ?? ''}/${x.Labels['skiff.io/container-name'] ?? ''} ${x.State}`));
        if (left.length > 0) throw new Error(left.join(', '));
        return true;
      },
      { timeoutMs: 60_000, what: 'gc-bg, its ReplicaSet, pods and containers all gone' },
    );
  });
});

step('skiff create deployment, then rollout restart: a new ReplicaSet with the same image', 150_000, async () => {
  const cl = c();
  const r = await cl.skiff('create', 'deployment', 'hello', '--image', V1, '--replicas', '2');
  assert.equal(r.code, 0, showRun(r));
  assert.match(r.stdout, /hello.*created/, showRun(r));
  const d = await cl.client.get<Deployment>('deployments', NS, 'hello');
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.selector.matchLabels, { app: 'hello' });
  assert.equal(d.spec.template.spec.containers[0]?.image, V1);
  await rolledOut('hello');
  await allAnswer(await podsSettled('hello', 2, V1), 'v1');

  const restart = await cl.skiff('rollout', 'restart', 'deployment/hello');
  assert.equal(restart.code, 0, showRun(restart));
  assert.match(restart.stdout, /restarted/, showRun(restart));
  await rolledOut('hello');
  const rss = await replicaSetsOf(d);
  assert.equal(rss.length, 2, describeRSs(rss));
  assert.ok(rss.every((rs) => rs.spec.template.spec.containers[0]?.image === V1), describeRSs(rss));
  await cl.skiffOk('delete', 'deployment', 'hello', '--wait=false');
});

step('namespaces: create, -n, current namespace; deleting one shows Terminating, refuses new pods, removes every container, then goes', 180_000, async () => {
  const cl = c();
  const ns = 'team-a';
  const created = await cl.skiff('create', 'namespace', ns);
  assert.equal(created.code, 0, showRun(created));
  assert.match(created.stdout, new RegExp(`${ns}.*created`), showRun(created));
  assert.equal(rowNamed(await cl.skiffOk('get', 'namespace', ns), ns)?.['STATUS'], 'Active');

  // Pods that take their whole grace period (8 s) to stop keep the namespace Terminating a while.
  await apply(deploymentOf({ name: 'web', replicas: 2, image: BUSYBOX, command: SLOW_STOP, gracePeriodSeconds: 8 }), ns);
  await rolledOut('web', ns);
  const pods = await podsSettled('web', 2, BUSYBOX, ns);
  assert.ok(pods.every((p) => p.metadata.namespace === ns));
  assert.equal((await runningWithImage(BUSYBOX, ns)).length, 2, 'the two containers of team-a run');

  const setCtx = await cl.skiff('config', 'set-context', '--current', '--namespace', ns);
  assert.equal(setCtx.code, 0, showRun(setCtx));
  try {
    const table = await cl.skiffOk('get', 'deploy');
    assert.equal(rowNamed(table, 'web')?.['READY'], '2/2', `the current namespace is team-a:\n${table}`);
    const podNames = parseTable(await cl.skiffOk('get', 'pods')).map((row) => row['NAME']);
    assert.deepEqual(podNames.sort(), pods.map(nameOf).sort());
  } finally {
    await cl.skiffOk('config', 'set-context', '--current', '--namespace', NS);
  }
  const defaultPods = parseTable(await cl.skiffOk('get', 'pods')).map((row) => row['NAME']);
  assert.ok(!pods.some((p) => defaultPods.includes(nameOf(p))), `back in default: ${defaultPods.join(' ')}`);

  const del = await cl.skiff('delete', 'namespace', ns, '--wait=false');
  assert.equal(del.code, 0, showRun(del));
  const nsRow = rowNamed(await cl.skiffOk('get', 'namespace', ns), ns);
  assert.equal(nsRow?.['STATUS'], 'Terminating', JSON.stringify(nsRow));

  const late = await cl.skiff('apply', '-n', ns, '-f', fixture('terminating-ns-pod.yaml'));
  assertRefused(late, /being terminated/, new RegExp(ns));
  assert.equal((await getOrUndefined<Namespace>('namespaces', '', ns))?.status?.phase, 'Terminating', 'the refusal came while the namespace was Terminating');
  assert.equal(await getOrUndefined('pods', ns, 'late-comer'), undefined, 'the pod was not created');

  await waitFor(
    async () => {
      const left = await cl.containers({ all: true, labels: { 'skiff.io/pod-namespace': ns } });
      if (left.length > 0) throw new Error(left.map((x) => `${x.Labels['skiff.io/pod-name'] ?? ''}/${x.Labels['skiff.io/container-name'] ?? ''} ${x.State}`).join(', '));
      return true;
    },
    { timeoutMs: 90_000, what: 'every container of team-a removed' },
  );
  await waitFor(async () => (await getOrUndefined('namespaces', '', ns)) === undefined, { timeoutMs: 60_000, what: 'namespace team-a gone' });
  const gone = await cl.skiff('get', 'namespace', ns);
  assertRefused(gone, /not found/);
});
