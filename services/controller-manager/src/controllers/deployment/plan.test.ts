import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, ReplicaSet } from '@skiff/api';
import { makeDeployment, ownedRs, SimulatedCluster, T0, withImage } from '../../testing/deployment-fixtures.js';
import { makePod } from '../../testing/fixtures.js';
import { getCondition, PROGRESSING } from './deployment-status.js';
import { planDeployment } from './plan.js';
import { computeHash } from './pod-template-hash.js';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './replica-sets.js';

const revisionOf = (rs: ReplicaSet | undefined): string | undefined => rs?.metadata.annotations?.[REVISION_ANNOTATION];
const sizes = (c: SimulatedCluster): number[] => c.rss.map((r) => r.spec.replicas ?? 0);

/** Rolls until the Deployment is done, one pod becoming available at a time; checks `each` at every step. */
function rollOut(c: SimulatedCluster, each: () => void, maxSteps = 200): void {
  for (let i = 0; i < maxSteps; i++) {
    c.converge();
    each();
    if (!c.readyOne()) return;
    each();
  }
  throw new Error('the rollout did not finish');
}

describe('planDeployment: a new Deployment', () => {
  it('creates its ReplicaSet named after the template hash, labelled, owned, at revision 1', () => {
    const d = makeDeployment({ replicas: 3, annotations: { 'kubernetes.io/change-cause': 'first' } });
    const plan = planDeployment({ deployment: d, replicaSets: [], podsByReplicaSet: new Map(), now: T0 });
    assert.equal(plan.actions.length, 1);
    const action = plan.actions[0];
    assert.equal(action?.op, 'create');
    const rs = action.rs;
    const hash = computeHash(d.spec.template);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(rs.spec.replicas, 3);
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'deploy-uid-web', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(rs.metadata.annotations, {
      'kubernetes.io/change-cause': 'first',
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    assert.equal(plan.revision, '1');
    assert.equal(getCondition(plan.status, PROGRESSING)?.reason, 'NewReplicaSetCreated');
    assert.equal(getCondition(plan.status, PROGRESSING)?.message, `Created new replica set "web-${hash}"`);
    assert.equal(getCondition(plan.status, 'Available')?.reason, 'MinimumReplicasUnavailable');
  });

  it('reports status from its ReplicaSets and becomes Available and complete', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 3 }));
    rollOut(c, () => undefined);
    const s = c.d.status;
    assert.deepEqual(
      { replicas: s?.replicas, updated: s?.updatedReplicas, ready: s?.readyReplicas, available: s?.availableReplicas, unavailable: s?.unavailableReplicas, gen: s?.observedGeneration },
      { replicas: 3, updated: 3, ready: 3, available: 3, unavailable: 0, gen: 1 },
    );
    assert.equal(getCondition(s, 'Available')?.status, 'True');
    assert.equal(getCondition(s, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(getCondition(s, PROGRESSING)?.reason, 'NewReplicaSetAvailable');
    assert.match(getCondition(s, PROGRESSING)?.message ?? '', /^ReplicaSet "web-[4-9bcdf]+" has successfully progressed\.$/);
    const again = c.sync();
    assert.deepEqual(again.actions, [], 'a finished Deployment asks for nothing');
    assert.equal(again.status, undefined, 'and writes nothing');
    assert.equal(again.requeueAfterMs, undefined);
  });
});

describe('planDeployment: rolling update', () => {
  it('maxSurge 1, maxUnavailable 0 on 4 replicas: never more than 5 pods, never fewer than 4 available', () => {
    const d = makeDeployment({ replicas: 4, maxSurge: 1, maxUnavailable: 0 });
    const c = new SimulatedCluster(d);
    rollOut(c, () => undefined);
    assert.equal(c.available(), 4);
    c.setImage('skiff/demo-web:v2');
    let maxPods = 0;
    let minAvailable = Number.POSITIVE_INFINITY;
    rollOut(c, () => {
      maxPods = Math.max(maxPods, c.pods());
      minAvailable = Math.min(minAvailable, c.available());
    });
    assert.equal(maxPods, 5);
    assert.equal(minAvailable, 4);
    assert.equal(c.rsFor('skiff/demo-web:v2')?.spec.replicas, 4);
    assert.equal(c.rsFor('skiff/demo-web:v1')?.spec.replicas, 0);
    assert.equal(revisionOf(c.rsFor('skiff/demo-web:v1')), '1');
    assert.equal(revisionOf(c.rsFor('skiff/demo-web:v2')), '2');
    assert.equal(c.d.metadata.annotations?.[REVISION_ANNOTATION], '2');
    const v1 = c.rsFor('skiff/demo-web:v1')?.metadata.name ?? '';
    const v2 = c.rsFor('skiff/demo-web:v2')?.metadata.name ?? '';
    // One up, one down, four times over.
    const rollout = c.events.slice(c.events.indexOf(`Scaled up replica set ${v2} from 0 to 1`));
    assert.deepEqual(rollout, [
      `Scaled up replica set ${v2} from 0 to 1`,
      `Scaled down replica set ${v1} from 4 to 3`,
      `Scaled up replica set ${v2} from 1 to 2`,
      `Scaled down replica set ${v1} from 3 to 2`,
      `Scaled up replica set ${v2} from 2 to 3`,
      `Scaled down replica set ${v1} from 2 to 1`,
      `Scaled up replica set ${v2} from 3 to 4`,
      `Scaled down replica set ${v1} from 1 to 0`,
    ]);
  });

  it('25%/25% of 10: at most 13 pods and at least 8 available at every step', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 10 }));
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:v2');
    rollOut(c, () => {
      assert.ok(c.pods() <= 13, `${c.pods()} pods`);
      assert.ok(c.available() >= 8, `${c.available()} available`);
    });
    assert.deepEqual(sizes(c), [0, 10]);
  });

  it('maxUnavailable alone (maxSurge 0) scales the old RS down first', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 4, maxSurge: 0, maxUnavailable: 1 }));
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:v2');
    const plan = c.sync();
    assert.deepEqual(plan.actions.map((a) => `${a.op} ${a.rs.spec.template.spec.containers[0]?.image ?? ''} ${a.rs.spec.replicas ?? 0}`), ['create skiff/demo-web:v2 0', 'update skiff/demo-web:v1 3']);
    rollOut(c, () => {
      assert.ok(c.pods() <= 4);
      assert.ok(c.available() >= 3);
    });
  });

  it('does not scale an old RS down on a status that counts more available pods than its spec (stale)', () => {
    const d = withImage(makeDeployment({ replicas: 4, maxSurge: 1, maxUnavailable: 0 }), 'skiff/demo-web:v2');
    const old = ownedRs(d, { image: 'skiff/demo-web:v1', replicas: 3, actual: 4, available: 4, revision: 1, desired: 4, max: 5, created: '2026-01-01T00:00:01Z' });
    const fresh = ownedRs(d, { image: 'skiff/demo-web:v2', replicas: 2, available: 2, revision: 2, desired: 4, max: 5, created: '2026-01-01T00:00:02Z' });
    const plan = planDeployment({ deployment: d, replicaSets: [old, fresh], podsByReplicaSet: new Map(), now: T0 });
    assert.deepEqual(plan.actions, [], 'waits for the old RS to report its smaller size');
  });
});

describe('planDeployment: rollover', () => {
  it('a new template mid-rollout starts a third RS and scales both old ones down, unhealthy first', () => {
    const d = makeDeployment({ replicas: 4, maxSurge: 1, maxUnavailable: 0 });
    const c = new SimulatedCluster(d);
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:v2');
    c.converge(); // v2 gets its surge pod, which never becomes ready (a bad image)
    assert.deepEqual(
      c.rss.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas, r.status?.availableReplicas]),
      [
        ['skiff/demo-web:v1', 4, 4],
        ['skiff/demo-web:v2', 1, 0],
      ],
    );
    c.setImage('skiff/demo-web:v3');
    let minAvailable = Number.POSITIVE_INFINITY;
    let maxPods = 0;
    rollOut(c, () => {
      minAvailable = Math.min(minAvailable, c.available());
      maxPods = Math.max(maxPods, c.pods());
    });
    assert.equal(c.rss.length, 3);
    assert.deepEqual(sizes(c), [0, 0, 4]);
    assert.equal(minAvailable, 4);
    assert.equal(maxPods, 5);
    const v1 = c.rsFor('skiff/demo-web:v1')?.metadata.name ?? '';
    const v2 = c.rsFor('skiff/demo-web:v2')?.metadata.name ?? '';
    const afterV3 = c.events.slice(c.events.findIndex((e) => e.includes(c.rsFor('skiff/demo-web:v3')?.metadata.name ?? '?')) - 1);
    assert.ok(afterV3.indexOf(`Scaled down replica set ${v2} from 1 to 0`) < afterV3.indexOf(`Scaled down replica set ${v1} from 4 to 3`), afterV3.join('\n'));
    assert.equal(revisionOf(c.rsFor('skiff/demo-web:v3')), '3');
  });
});

describe('planDeployment: proportional scaling', () => {
  it('spreads a scale-up mid-rollout over the old and new RSs (the documentation example: 8+5 → 11+7)', () => {
    const d = withImage(makeDeployment({ replicas: 15, maxSurge: 3, maxUnavailable: 2, status: { replicas: 13, updatedReplicas: 5, availableReplicas: 8 } }), 'skiff/demo-web:v2');
    const old = ownedRs(d, { image: 'skiff/demo-web:v1', replicas: 8, revision: 1, desired: 10, max: 13, created: '2026-01-01T00:00:01Z' });
    const fresh = ownedRs(d, { image: 'skiff/demo-web:v2', replicas: 5, available: 0, revision: 2, desired: 10, max: 13, created: '2026-01-01T00:00:02Z' });
    const plan = planDeployment({ deployment: d, replicaSets: [old, fresh], podsByReplicaSet: new Map(), now: T0 });
    assert.deepEqual(
      plan.actions.map((a) => [a.op, a.rs.metadata.name, a.rs.spec.replicas, a.rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], a.rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas']]),
      [
        ['update', old.metadata.name, 11, '15', '18'],
        ['update', fresh.metadata.name, 7, '15', '18'],
      ],
    );
    assert.deepEqual(
      plan.actions.map((a) => (a.op === 'update' ? a.scaled : undefined)),
      [
        { from: 8, to: 11 },
        { from: 5, to: 7 },
      ],
    );
  });

  it('spreads a scale-down too, older RSs giving up their share first among equals', () => {
    const d = withImage(makeDeployment({ replicas: 5, maxSurge: 3, maxUnavailable: 2, status: { replicas: 13 } }), 'skiff/demo-web:v2');
    const old = ownedRs(d, { image: 'skiff/demo-web:v1', replicas: 8, revision: 1, desired: 10, max: 13, created: '2026-01-01T00:00:01Z' });
    const fresh = ownedRs(d, { image: 'skiff/demo-web:v2', replicas: 5, available: 0, revision: 2, desired: 10, max: 13, created: '2026-01-01T00:00:02Z' });
    const plan = planDeployment({ deployment: d, replicaSets: [old, fresh], podsByReplicaSet: new Map(), now: T0 });
    const after = new Map(plan.actions.map((a) => [a.rs.metadata.name, a.rs.spec.replicas]));
    // allowed 5 + 3 = 8 of 13: old round(8*8/13)-8 = -3, new round(5*8/13)-5 = -2.
    assert.equal(after.get(old.metadata.name), 5);
    assert.equal(after.get(fresh.metadata.name), 3);
  });

  it('scales the only RS straight to the new size', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 3 }));
    rollOut(c, () => undefined);
    c.scale(5);
    const plan = c.sync();
    assert.deepEqual(plan.actions.map((a) => a.rs.spec.replicas), [5]);
    assert.equal(c.events.at(-1), `Scaled up replica set ${c.rss[0]?.metadata.name ?? ''} from 3 to 5`);
    assert.equal(c.rss[0]?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  });
});

describe('planDeployment: Recreate', () => {
  it('scales the old RS to 0, waits until none of its pods runs, then creates the new one at full size', () => {
    const d = makeDeployment({ replicas: 3, strategy: { type: 'Recreate' } });
    const c = new SimulatedCluster(d);
    rollOut(c, () => undefined);
    const old = c.rss[0] as ReplicaSet;
    c.setImage('skiff/demo-web:v2');

    const first = c.sync();
    assert.deepEqual(first.actions.map((a) => [a.op, a.rs.metadata.name, a.rs.spec.replicas]), [['update', old.metadata.name, 0]]);
    c.settle();

    // The old pods are terminating but still running: no new RS yet.
    const terminating: Pod[] = [0, 1, 2].map((i) => makePod({ name: `old-${i}`, owner: old, deletionTimestamp: '2026-01-01T00:00:10Z' }));
    const waiting = c.sync(new Map([[old.metadata.uid ?? '', terminating]]));
    assert.deepEqual(waiting.actions, []);
    const finished = terminating.map((p) => ({ ...p, status: { phase: 'Succeeded' as const } }));
    assert.deepEqual(c.sync(new Map([[old.metadata.uid ?? '', finished]])).actions.map((a) => [a.op, a.rs.spec.replicas]), [['create', 3]], 'finished pods do not count');
  });

  it('never runs old and new pods at once over a whole rollout', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 3, strategy: { type: 'Recreate' } }));
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:v2');
    rollOut(c, () => {
      const running = c.rss.filter((r) => (r.status?.replicas ?? 0) > 0);
      assert.ok(running.length <= 1, 'one version at a time');
    });
    assert.deepEqual(sizes(c), [0, 3]);
    assert.equal(revisionOf(c.rsFor('skiff/demo-web:v2')), '2');
  });
});

describe('planDeployment: revisions, rollback and history', () => {
  it('reuses the old RS whose template matches (a rollback): no new RS, the newest revision, history kept', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 2 }));
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:v2');
    rollOut(c, () => undefined);
    // `rollout undo`: the v1 template goes back into the Deployment.
    c.setImage('skiff/demo-web:v1');
    rollOut(c, () => undefined);
    assert.equal(c.rss.length, 2, 'no third ReplicaSet');
    const v1 = c.rsFor('skiff/demo-web:v1');
    assert.equal(revisionOf(v1), '3');
    assert.equal(v1?.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(revisionOf(c.rsFor('skiff/demo-web:v2')), '2');
    assert.equal(c.d.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.deepEqual(sizes(c), [2, 0]);
  });

  it('keeps revisionHistoryLimit old RSs, deleting the oldest revisions that run nothing, once complete', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 1, revisionHistoryLimit: 2 }));
    for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) {
      c.setImage(`skiff/demo-web:${v}`);
      rollOut(c, () => undefined);
    }
    assert.deepEqual(
      c.rss.map((r) => revisionOf(r)),
      ['3', '4', '5'],
      'the current RS and the 2 newest old ones',
    );
  });

  it('does not delete an old RS that still has pods or whose status is behind', () => {
    const d = makeDeployment({ replicas: 1, revisionHistoryLimit: 0, status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } });
    const current = ownedRs(d, { replicas: 1, revision: 4, desired: 1, max: 2, created: '2026-01-01T00:00:04Z' });
    const stillRunning = ownedRs(d, { image: 'a', replicas: 0, actual: 1, revision: 1 });
    const behind = ownedRs(d, { image: 'b', replicas: 0, actual: 0, revision: 2, generation: 3, observedGeneration: 2 });
    const gone = ownedRs(d, { image: 'c', replicas: 0, actual: 0, revision: 3 });
    const plan = planDeployment({ deployment: d, replicaSets: [current, stillRunning, behind, gone], podsByReplicaSet: new Map(), now: T0 });
    assert.deepEqual(
      plan.actions.filter((a) => a.op === 'delete').map((a) => a.rs.metadata.name),
      [gone.metadata.name],
    );
  });
});

describe('planDeployment: progress deadline', () => {
  const stuck = (): SimulatedCluster => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 2, maxSurge: 1, maxUnavailable: 0, progressDeadlineSeconds: 60 }));
    rollOut(c, () => undefined);
    c.setImage('skiff/demo-web:missing');
    c.converge(); // the new pod never becomes ready
    return c;
  };

  it('asks to look again when the deadline would pass, and then reports ProgressDeadlineExceeded', () => {
    const c = stuck();
    const cond = getCondition(c.d.status, PROGRESSING);
    assert.equal(cond?.status, 'True');
    const updated = Date.parse(cond?.lastUpdateTime ?? '');
    c.now = updated + 59_000;
    const before = c.sync();
    assert.equal(before.status, undefined, 'nothing new to say before the deadline');
    assert.equal(before.requeueAfterMs, 2_000, 'the remaining second, plus one');
    c.now = updated + 61_000;
    c.sync();
    const timedOut = getCondition(c.d.status, PROGRESSING);
    assert.equal(timedOut?.status, 'False');
    assert.equal(timedOut?.reason, 'ProgressDeadlineExceeded');
    assert.match(timedOut?.message ?? '', /^ReplicaSet "web-[4-9bcdf]+" has timed out progressing\.$/);
    assert.equal(c.sync().requeueAfterMs, undefined, 'timed out: no more checks');
  });

  it('counts from the last progress: a pod becoming available refreshes lastUpdateTime', () => {
    const c = stuck();
    const first = Date.parse(getCondition(c.d.status, PROGRESSING)?.lastUpdateTime ?? '');
    c.now = first + 50_000;
    c.readyOne();
    c.sync();
    const cond = getCondition(c.d.status, PROGRESSING);
    assert.equal(cond?.reason, 'ReplicaSetUpdated');
    assert.equal(Date.parse(cond?.lastUpdateTime ?? ''), first + 50_000);
    c.now = first + 61_000;
    c.sync();
    assert.notEqual(getCondition(c.d.status, PROGRESSING)?.reason, 'ProgressDeadlineExceeded');
  });
});

describe('planDeployment: paused', () => {
  it('does not roll out a new template, runs no deadline, but still scales; resuming rolls out once', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 2, progressDeadlineSeconds: 60 }));
    rollOut(c, () => undefined);
    c.d.spec.paused = true;
    c.setImage('skiff/demo-web:v2');
    const paused = c.sync();
    assert.deepEqual(paused.actions, [], 'no new RS while paused');
    assert.equal(getCondition(c.d.status, PROGRESSING)?.reason, 'DeploymentPaused');
    assert.equal(getCondition(c.d.status, PROGRESSING)?.status, 'Unknown');
    c.now += 3_600_000;
    const later = c.sync();
    assert.equal(later.requeueAfterMs, undefined);
    assert.equal(getCondition(c.d.status, PROGRESSING)?.reason, 'DeploymentPaused', 'no timeout while paused');

    c.scale(3);
    c.sync();
    assert.deepEqual(sizes(c), [3], 'scaling applies while paused');

    c.d.spec.paused = false;
    c.sync();
    assert.equal(c.rss.length, 2, 'resumed: one new RS');
    assert.ok(c.d.status?.conditions?.some((x) => x.type === PROGRESSING));
    rollOut(c, () => undefined);
    assert.equal(c.rss.length, 2);
    assert.equal(getCondition(c.d.status, PROGRESSING)?.reason, 'NewReplicaSetAvailable');
    assert.deepEqual(sizes(c), [0, 3]);
  });

  it('reports DeploymentResumed when resumed', () => {
    const c = new SimulatedCluster(makeDeployment({ replicas: 1, paused: true }));
    c.sync();
    assert.equal(getCondition(c.d.status, PROGRESSING)?.reason, 'DeploymentPaused');
    c.d.spec.paused = false;
    const plan = planDeployment({ deployment: c.d, replicaSets: c.rss, podsByReplicaSet: new Map(), now: T0 });
    assert.equal(plan.status?.conditions?.find((x) => x.type === PROGRESSING)?.reason, 'NewReplicaSetCreated', 'resumed, then the rollout starts in the same sync');
  });
});

describe('planDeployment: a Deployment being deleted', () => {
  it('only reports status', () => {
    const d = makeDeployment({ replicas: 3 });
    d.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    const plan = planDeployment({ deployment: withImage(d, 'skiff/demo-web:v9'), replicaSets: [ownedRs(d, { replicas: 3, revision: 1 })], podsByReplicaSet: new Map(), now: T0 });
    assert.deepEqual(plan.actions, []);
    assert.equal(plan.status?.replicas, 3);
  });
});
