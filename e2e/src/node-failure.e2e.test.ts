// End-to-end: node failure and drain (issue 4) on one real local cluster (`skiff up`, 2 nodes, real
// Docker containers). The controller-manager is restarted with a 20 s node-monitor grace period
// (see node-failure.ts), the pods tolerate an unreachable node for 5 s: SIGKILL of one kubelet
// makes its node NotReady and its pods come back Running on the other node; the kubelet started
// again finds its node Ready and its old pods' containers removed. Then `skiff drain` empties a
// node while a PodDisruptionBudget keeps two of three pods available at every moment (checked on
// every watch event), and `skiff uncordon` undoes the cordon; `skiff taint` keeps pods off a node.
// The steps run in order.
//
// Run: node --test --test-concurrency=1 e2e/dist/node-failure.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import type { Node, Pod, PodDisruptionBudget } from '@skiff/api';
import { findCondition } from '@skiff/api';
import { nameOf, podRunning, showRun, waitFor, type Cluster } from './harness.js';
import { FAST_NODE_MONITOR, hasTaint, readyStatus, UNREACHABLE_TAINT, useNodeMonitor } from './node-failure.js';
import { applyFile, fixturePath } from './fixtures.js';
import { getOrUndefined } from './objects.js';
import { clusterSuite } from './suite.js';
import { rowNamed } from './table.js';
import { WatchedSet } from './watched-set.js';

const NS = 'default';

const suite = clusterSuite({ prefix: 'e2e-nodes', nodes: 2 });
const c = (): Cluster => suite.cluster();
const step = suite.step;

// ---- helpers ----------------------------------------------------------------------------------

const applyFixture = (file: string): Promise<string> => applyFile(c(), fixturePath('self-healing', file));

function terminating(p: Readonly<Pod>): boolean {
  return p.metadata.deletionTimestamp !== undefined;
}

function available(p: Readonly<Pod>): boolean {
  return !terminating(p) && findCondition(p.status?.conditions, 'Ready')?.status === 'True';
}

function show(pods: readonly Pod[]): string {
  return pods.map((p) => `${nameOf(p)}@${p.spec.nodeName ?? '-'}:${p.status?.phase ?? 'Pending'}${available(p) ? '/ready' : ''}${terminating(p) ? '/terminating' : ''}`).join(' ') || 'none';
}

async function podsOf(app: string): Promise<Pod[]> {
  return (await c().client.list<Pod>('pods', { namespace: NS, labelSelector: `app=${app}` })).items;
}

/** Exactly `n` live pods of `app`, all Running (and Ready when `ready`), none terminating unless `allowTerminating`. */
async function settled(app: string, n: number, opts: { timeoutMs?: number; ready?: boolean; allowTerminating?: boolean; what?: string } = {}): Promise<Pod[]> {
  return waitFor(
    async () => {
      const all = await podsOf(app);
      const live = all.filter((p) => !terminating(p));
      const ok = live.length === n && (opts.allowTerminating || all.length === n) && live.every((p) => podRunning(p) && (!opts.ready || available(p)));
      if (!ok) throw new Error(show(all));
      return live;
    },
    { timeoutMs: opts.timeoutMs ?? 90_000, what: opts.what ?? `${n} ${app} pods Running` },
  );
}

async function nodeRow(name: string): Promise<Record<string, string> | undefined> {
  const r = await c().skiff('get', 'nodes');
  if (r.code !== 0) throw new Error(showRun(r));
  return rowNamed(r.stdout, name);
}

async function node(name: string): Promise<Node> {
  return c().client.get<Node>('nodes', '', name);
}

function busiest(pods: readonly Pod[], nodes: readonly string[]): string {
  const count = (n: string): number => pods.filter((p) => p.spec.nodeName === n).length;
  return [...nodes].sort((a, b) => count(b) - count(a))[0] ?? assert.fail('no nodes');
}

// ---- the suite ---------------------------------------------------------------------------------

step(`the controller-manager runs with --node-monitor-grace-period ${FAST_NODE_MONITOR.gracePeriodSeconds}s and leads`, 90_000, async () => {
  const cl = c();
  await useNodeMonitor(cl, FAST_NODE_MONITOR);
  const cm = cl.processOf('controller-manager');
  assert.ok(cm.image?.argv.includes('--node-monitor-grace-period'), cm.image?.argv.join(' '));
  // Live kubelets keep their nodes Ready under the short grace period.
  await waitFor(async () => (await cl.readyNodes()).length === 2, { timeoutMs: 30_000, what: 'both nodes Ready' });
});

step('SIGKILL of a kubelet: its node goes NotReady (Unknown, tainted unreachable), its pods come back Running on the other node; started again, it is Ready and its old containers go', 300_000, async () => {
  const cl = c();
  await applyFixture('ha-rs.yaml');
  const pods = await settled('e2e-ha', 4);
  const victim = busiest(pods, cl.nodes);
  const survivor = cl.nodes.find((n) => n !== victim) ?? assert.fail('no second node');
  const moved = pods.filter((p) => p.spec.nodeName === victim);
  assert.ok(moved.length >= 1, `pods on ${victim}: ${show(pods)}`);
  const movedUids = new Set(moved.map((p) => p.metadata.uid ?? ''));
  const kubelet = cl.processOf('kubelet', victim);

  await cl.stopProcess(kubelet.name, 'SIGKILL');
  const killedAt = Date.now();
  let restarted = false;
  try {
    await waitFor(
      async () => {
        const row = await nodeRow(victim);
        if (row?.['STATUS'] !== 'NotReady') throw new Error(JSON.stringify(row));
        return true;
      },
      { timeoutMs: 90_000, what: `\`skiff get nodes\` to show ${victim} NotReady` },
    );
    const dead = await node(victim);
    assert.equal(readyStatus(dead), 'Unknown', `Ready=Unknown for a silent node: ${JSON.stringify(dead.status?.conditions)}`);
    assert.match(findCondition(dead.status?.conditions, 'Ready')?.reason ?? '', /NodeStatusUnknown/, JSON.stringify(dead.status?.conditions));
    await waitFor(async () => hasTaint(await node(victim), UNREACHABLE_TAINT, 'NoExecute'), { timeoutMs: 30_000, what: `${victim} tainted ${UNREACHABLE_TAINT}:NoExecute` });
    const noticedMs = Date.now() - killedAt;

    // The old pods still read Running (their node cannot say otherwise) until they are evicted.
    const now = await waitFor(
      async () => {
        const all = await podsOf('e2e-ha');
        const live = all.filter((p) => !terminating(p));
        const ok = live.length === 4 && live.every((p) => podRunning(p) && p.spec.nodeName === survivor && !movedUids.has(p.metadata.uid ?? ''));
        if (!ok) throw new Error(show(all));
        return live;
      },
      { timeoutMs: 120_000, what: `4 live e2e-ha pods Running on ${survivor}, the ${moved.length} from ${victim} evicted` },
    );
    assert.equal(now.length, 4);
    assert.equal(readyStatus(await node(survivor)), 'True', `${survivor} stays Ready`);
    process.stderr.write(`e2e-nodes: ${victim} noticed after ${(noticedMs / 1000).toFixed(1)} s, its ${moved.length} pod(s) Running on ${survivor} after ${((Date.now() - killedAt) / 1000).toFixed(1)} s\n`);

    await cl.startProcessAgain(kubelet.name);
    restarted = true;
    await waitFor(
      async () => {
        const row = await nodeRow(victim);
        if (row?.['STATUS'] !== 'Ready') throw new Error(JSON.stringify(row));
        return true;
      },
      { timeoutMs: 90_000, what: `\`skiff get nodes\` to show ${victim} Ready after its kubelet started again (log: ${kubelet.log})` },
    );
    await waitFor(async () => !hasTaint(await node(victim), UNREACHABLE_TAINT, 'NoExecute'), { timeoutMs: 30_000, what: `the ${UNREACHABLE_TAINT} taint removed from ${victim}` });
    await waitFor(
      async () => {
        const left = (await podsOf('e2e-ha')).filter((p) => movedUids.has(p.metadata.uid ?? ''));
        if (left.length > 0) throw new Error(`old pods still listed: ${show(left)}`);
        const cs = await cl.containers({ all: true, labels: { 'skiff.io/node': victim } });
        const old = cs.filter((x) => movedUids.has(x.Labels['skiff.io/pod-uid'] ?? ''));
        if (old.length > 0) throw new Error(`old containers on ${victim}: ${old.map((x) => `${x.Labels['skiff.io/pod-name'] ?? ''}/${x.Labels['skiff.io/container-name'] ?? ''} ${x.State}`).join(', ')}`);
        return true;
      },
      { timeoutMs: 90_000, what: `the pods moved away from ${victim} gone from the API and their containers removed by the restarted kubelet` },
    );
    await settled('e2e-ha', 4, { what: '4 e2e-ha pods Running, nothing terminating' });
  } finally {
    if (!restarted) await cl.startProcessAgain(kubelet.name).catch((e: unknown) => process.stderr.write(`e2e-nodes: could not restart ${kubelet.name}: ${String(e)}\n`));
    const del = await cl.skiff('delete', 'replicaset', 'e2e-ha');
    if (del.code !== 0) process.stderr.write(`e2e-nodes: ${showRun(del)}\n`);
  }
  await waitFor(async () => (await podsOf('e2e-ha')).length === 0, { timeoutMs: 90_000, what: 'the e2e-ha pods deleted' });
});

step('skiff taint NoSchedule keeps new pods off the node; the trailing - removes the taint', 120_000, async () => {
  const cl = c();
  await waitFor(async () => (await cl.readyNodes()).length === 2, { timeoutMs: 60_000, what: 'both nodes Ready' });
  const [tainted = '', other = ''] = cl.nodes;
  const t = await cl.skiff('taint', 'nodes', tainted, 'e2e=only-other:NoSchedule');
  assert.equal(t.code, 0, showRun(t));
  assert.match(t.stdout, new RegExp(`node/${tainted} tainted`), showRun(t));
  assert.ok((await node(tainted)).spec?.taints?.some((x) => x.key === 'e2e' && x.value === 'only-other' && x.effect === 'NoSchedule'), 'the taint is on the node');
  const described = await cl.skiff('describe', 'node', tainted);
  assert.match(described.stdout, /Taints:\s+e2e=only-other:NoSchedule/, described.stdout);
  try {
    await applyFixture('taint-rs.yaml');
    const pods = await settled('e2e-taint', 2);
    assert.ok(pods.every((p) => p.spec.nodeName === other), `both pods on ${other}, none on the tainted ${tainted}: ${show(pods)}`);
  } finally {
    await cl.skiff('delete', 'replicaset', 'e2e-taint');
  }
  const un = await cl.skiff('taint', 'nodes', tainted, 'e2e:NoSchedule-');
  assert.equal(un.code, 0, showRun(un));
  assert.match(un.stdout, new RegExp(`node/${tainted} untainted`), showRun(un));
  assert.ok(!(await node(tainted)).spec?.taints?.some((x) => x.key === 'e2e'), 'the taint is gone');
  await waitFor(async () => (await podsOf('e2e-taint')).length === 0, { timeoutMs: 60_000, what: 'the e2e-taint pods deleted' });
});

step('skiff drain empties a node while the PodDisruptionBudget (minAvailable 2) holds at every moment; skiff uncordon undoes the cordon', 300_000, async () => {
  const cl = c();
  await waitFor(async () => (await cl.readyNodes()).length === 2, { timeoutMs: 60_000, what: 'both nodes Ready' });
  const out = await applyFixture('pdb-rs.yaml');
  assert.match(out, /poddisruptionbudget.*e2e-pdb created/, out);
  const pods = await settled('e2e-pdb', 3, { ready: true });
  await waitFor(
    async () => {
      const pdb = await cl.client.get<PodDisruptionBudget>('poddisruptionbudgets', NS, 'e2e-pdb');
      if (pdb.status?.currentHealthy !== 3 || pdb.status.disruptionsAllowed !== 1) throw new Error(JSON.stringify(pdb.status));
      return true;
    },
    { timeoutMs: 30_000, what: 'PDB e2e-pdb status: currentHealthy 3, disruptionsAllowed 1' },
  );
  const pdbs = await cl.skiff('get', 'pdb');
  assert.equal(pdbs.code, 0, showRun(pdbs));
  const pdbRow = rowNamed(pdbs.stdout, 'e2e-pdb');
  assert.equal(pdbRow?.['MIN AVAILABLE'], '2', pdbs.stdout);
  assert.equal(pdbRow?.['ALLOWED DISRUPTIONS'], '1', pdbs.stdout);

  const target = busiest(pods, cl.nodes);
  const onTarget = pods.filter((p) => p.spec.nodeName === target).length;
  const watch = await new WatchedSet<Pod>(cl.client, 'pods', { namespace: NS, labelSelector: 'app=e2e-pdb' }).start();
  let minAvailable = Number.POSITIVE_INFINITY;
  const violations: string[] = [];
  watch.on((_ev, objects) => {
    const n = objects.filter(available).length;
    minAvailable = Math.min(minAvailable, n);
    if (n < 2) violations.push(show(objects));
  });
  try {
    const drain = await cl.skiffWith(['drain', target], { timeoutMs: 240_000 });
    assert.equal(drain.code, 0, showRun(drain));
    const text = `${drain.stdout}${drain.stderr}`;
    assert.match(text, new RegExp(`node/${target} cordoned`), showRun(drain));
    assert.match(text, /evict/i, showRun(drain));
    assert.match(text, new RegExp(`node/${target} drained`), showRun(drain));

    const after = await settled('e2e-pdb', 3, { ready: true, allowTerminating: true, timeoutMs: 60_000 });
    assert.ok(after.every((p) => p.spec.nodeName !== target), `no e2e-pdb pod left on ${target}: ${show(after)}`);
    await waitFor(async () => (await podsOf('e2e-pdb')).every((p) => p.spec.nodeName !== target), { timeoutMs: 60_000, what: `the evicted pods gone from ${target}` });
    process.stderr.write(`e2e-nodes: drained ${target} (${onTarget} of 3 pods), min available seen ${minAvailable}:\n${drain.stdout}${drain.stderr}`);
    assert.deepEqual(violations, [], `fewer than 2 available pods during the drain (${onTarget} pod(s) were on ${target})`);
    assert.ok(minAvailable >= 2, `min available ${minAvailable}`);
    assert.equal(watch.relists, 0, 'the watch saw every state (no relist)');

    assert.equal((await node(target)).spec?.unschedulable, true);
    assert.equal((await nodeRow(target))?.['STATUS'], 'Ready,SchedulingDisabled');
  } finally {
    watch.close();
  }

  const un = await cl.skiff('uncordon', target);
  assert.equal(un.code, 0, showRun(un));
  assert.match(un.stdout, new RegExp(`node/${target} uncordoned`), showRun(un));
  assert.equal((await nodeRow(target))?.['STATUS'], 'Ready');
  assert.ok(!(await node(target)).spec?.unschedulable, 'spec.unschedulable cleared');

  for (const [kind, name] of [['replicaset', 'e2e-pdb'], ['pdb', 'e2e-pdb']] as const) {
    const r = await cl.skiff('delete', kind, name);
    assert.equal(r.code, 0, showRun(r));
  }
  await waitFor(async () => (await podsOf('e2e-pdb')).length === 0 && (await getOrUndefined(cl.client, 'poddisruptionbudgets', NS, 'e2e-pdb')) === undefined, {
    timeoutMs: 90_000,
    what: 'the e2e-pdb pods and budget deleted',
  });
});
