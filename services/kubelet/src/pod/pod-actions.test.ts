import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '@skiff/api';
import { exitedContainer, makePod, observedContainer } from '../testing/fixtures.js';
import type { BackOffState } from './backoff.js';
import { groupObserved, type ObservedContainer } from './observed.js';
import { computePodActions, isNoop, type ActionContext } from './pod-actions.js';

const noBackOff: ActionContext = { backOff: () => undefined };
const inBackOff = (state: BackOffState): ActionContext => ({ backOff: () => state });

function observe(pod: Pod, ...containers: ObservedContainer[]) {
  return groupObserved(pod.metadata.uid ?? '', containers);
}

describe('computePodActions', () => {
  it('creates the sandbox and starts every container of a new pod', () => {
    const pod = makePod({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] });
    const a = computePodActions(pod, observe(pod), noBackOff);
    assert.equal(a.createSandbox, true);
    assert.equal(a.sandboxAttempt, 0);
    assert.deepEqual(
      a.containersToStart.map((s) => [s.name, s.index, s.restartCount]),
      [
        ['a', 0, 0],
        ['b', 1, 0],
      ],
    );
    assert.deepEqual(a.containersToRemove, []);
  });

  it('does nothing for a pod whose sandbox and containers run (what a restarted kubelet adopts)', () => {
    const pod = makePod();
    const infra = observedContainer(pod, { name: 'POD' });
    const a = computePodActions(pod, observe(pod, infra, observedContainer(pod, { name: 'web', attempt: 3 })), noBackOff);
    assert.equal(isNoop(a), true);
    assert.equal(a.sandboxId, infra.id);
  });

  it('restarts a killed container at once the first time (restartPolicy Always)', () => {
    const pod = makePod();
    const dead = exitedContainer(pod, 'web', 137);
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), dead), noBackOff);
    assert.equal(a.createSandbox, false);
    assert.equal(a.killPod, false);
    assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount, s.replaces?.id]), [['web', 1, dead.id]]);
    assert.deepEqual(a.containersToRemove, [], 'the dead one stays as the previous instance');
  });

  it('waits out the back-off window of a crashing container (CrashLoopBackOff)', () => {
    const pod = makePod({ name: 'crash', uid: 'u-1' });
    const a = computePodActions(
      pod,
      observe(pod, observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', 1, 2)),
      inBackOff({ durationMs: 20_000, remainingMs: 15_000 }),
    );
    assert.deepEqual(a.containersToStart, []);
    assert.equal(a.killPod, false, 'a container waiting to restart keeps the pod');
    assert.deepEqual(a.backOff, [
      { name: 'web', durationMs: 20_000, remainingMs: 15_000, message: 'back-off 20s restarting failed container=web pod=crash_default(u-1)' },
    ]);
  });

  it('asks the back-off about the finish time of the dead container', () => {
    const pod = makePod();
    const seen: [string, number][] = [];
    computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', 1, 0, '2026-01-01T00:01:00Z')), {
      backOff: (name, t) => {
        seen.push([name, t]);
        return undefined;
      },
    });
    assert.deepEqual(seen, [['web', Date.parse('2026-01-01T00:01:00Z')]]);
  });

  for (const [policy, exitCode, restarts] of [
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 0, false],
    ['Never', 1, false],
  ] as const) {
    it(`restartPolicy ${policy}, exit ${exitCode}: ${restarts ? 'restarts' : 'stays stopped and the sandbox is stopped'}`, () => {
      const pod = makePod({ restartPolicy: policy });
      const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', exitCode)), noBackOff);
      assert.equal(a.containersToStart.length, restarts ? 1 : 0);
      assert.equal(a.killPod, !restarts);
      assert.equal(a.createSandbox, false);
    });
  }

  it('restarts only the container that died, keeping the running one', () => {
    const pod = makePod({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] });
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'a' }), exitedContainer(pod, 'b', 1)), noBackOff);
    assert.deepEqual(a.containersToStart.map((s) => s.name), ['b']);
    assert.deepEqual(a.containersToKill, []);
  });

  it('re-creates a dead sandbox: kills the pod, starts every container again with the next restart count', () => {
    const pod = makePod();
    const deadInfra = exitedContainer(pod, 'POD', 137);
    const a = computePodActions(pod, observe(pod, deadInfra, observedContainer(pod, { name: 'web', attempt: 2 })), noBackOff);
    assert.equal(a.killPod, true);
    assert.equal(a.createSandbox, true);
    assert.equal(a.sandboxAttempt, 1);
    assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['web', 3]]);
    assert.deepEqual(a.containersToRemove, [deadInfra.id]);
  });

  it('does not re-create the sandbox of a finished restartPolicy Never pod', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const a = computePodActions(pod, observe(pod, exitedContainer(pod, 'POD', 137), exitedContainer(pod, 'web', 0)), noBackOff);
    assert.equal(a.createSandbox, false);
    assert.deepEqual(a.containersToStart, []);
  });

  it('OnFailure with a dead sandbox: succeeded containers are not started again', () => {
    const pod = makePod({ restartPolicy: 'OnFailure', containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] });
    const a = computePodActions(pod, observe(pod, exitedContainer(pod, 'POD', 0), exitedContainer(pod, 'a', 0), exitedContainer(pod, 'b', 1)), noBackOff);
    assert.equal(a.createSandbox, true);
    assert.deepEqual(a.containersToStart.map((s) => s.name), ['b']);
    const done = computePodActions(pod, observe(pod, exitedContainer(pod, 'POD', 0), exitedContainer(pod, 'a', 0), exitedContainer(pod, 'b', 0)), noBackOff);
    assert.equal(done.createSandbox, false, 'nothing left to run');
  });

  it('kills and restarts a running container whose image changed', () => {
    const pod = makePod({ containers: [{ name: 'web', image: 'skiff/demo-web:v2' }] });
    const running = observedContainer(pod, { name: 'web', image: 'skiff/demo-web:v1' });
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), running), noBackOff);
    assert.deepEqual(a.containersToKill.map((k) => k.id), [running.id]);
    assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['web', 1]]);
  });

  it('keeps one dead predecessor per container and removes the rest', () => {
    const pod = makePod();
    const infra = observedContainer(pod, { name: 'POD' });
    const d0 = exitedContainer(pod, 'web', 1, 0);
    const d1 = exitedContainer(pod, 'web', 1, 1);
    const d2 = exitedContainer(pod, 'web', 1, 2);
    const waiting = computePodActions(pod, observe(pod, infra, d0, d1, d2), inBackOff({ durationMs: 10_000, remainingMs: 1 }));
    assert.deepEqual(waiting.containersToRemove, [d0.id], 'newest dead + one predecessor kept while backing off');
    const starting = computePodActions(pod, observe(pod, infra, d0, d1, d2), noBackOff);
    assert.deepEqual(starting.containersToRemove.sort(), [d0.id, d1.id].sort(), 'the newest dead one becomes the previous instance');
  });

  it('removes older sandboxes beside the running one', () => {
    const pod = makePod();
    const old = exitedContainer(pod, 'POD', 137, 0);
    const cur = observedContainer(pod, { name: 'POD', attempt: 1 });
    const a = computePodActions(pod, observe(pod, old, cur, observedContainer(pod, { name: 'web' })), noBackOff);
    assert.equal(a.sandboxId, cur.id);
    assert.deepEqual(a.containersToRemove, [old.id]);
  });

  it('never starts anything for a pod in a terminal phase', () => {
    const pod = makePod({ restartPolicy: 'Always' });
    pod.status = { phase: 'Failed' };
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' })), noBackOff);
    assert.equal(a.createSandbox, false);
    assert.deepEqual(a.containersToStart, []);
    assert.equal(a.killPod, true);
  });

  it('never starts the containers of a pod being deleted', () => {
    const pod = makePod({ deletionTimestamp: '2026-01-01T00:00:09Z' });
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', 1)), noBackOff);
    assert.deepEqual(a.containersToStart, []);
  });
});

describe('computePodActions: init containers', () => {
  function podWithInits(restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod {
    const pod = makePod({ restartPolicy, containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] });
    pod.spec.initContainers = [
      { name: 'setup', image: 'skiff/busybox:latest' },
      { name: 'migrate', image: 'skiff/busybox:latest' },
    ];
    return pod;
  }
  const starts = (a: ReturnType<typeof computePodActions>) => a.containersToStart.map((s) => [s.name, s.init ?? false, s.index]);

  it('starts only the first init container with a new sandbox', () => {
    const pod = podWithInits();
    const a = computePodActions(pod, observe(pod), noBackOff);
    assert.equal(a.createSandbox, true);
    assert.deepEqual(starts(a), [['setup', true, 0]]);
  });

  it('runs them one at a time, in order, and the app containers once all exited 0', () => {
    const pod = podWithInits();
    const infra = observedContainer(pod, { name: 'POD' });
    const setupRunning = observedContainer(pod, { name: 'setup' });
    assert.equal(isNoop(computePodActions(pod, observe(pod, infra, setupRunning), noBackOff)), true, 'wait for setup to finish');
    const setupDone = exitedContainer(pod, 'setup', 0);
    assert.deepEqual(starts(computePodActions(pod, observe(pod, infra, setupDone), noBackOff)), [['migrate', true, 1]]);
    const migrateDone = exitedContainer(pod, 'migrate', 0);
    const a = computePodActions(pod, observe(pod, infra, setupDone, migrateDone), noBackOff);
    assert.deepEqual(starts(a), [['web', false, 0]]);
    assert.deepEqual(a.containersToRemove, [], 'finished init containers stay, for their status');
    // Once an app container runs, initialization is done even if its records are gone.
    assert.equal(isNoop(computePodActions(pod, observe(pod, infra, observedContainer(pod, { name: 'web' })), noBackOff)), true);
  });

  it('restarts a failed init container after its back-off, holding the app containers (Always, OnFailure)', () => {
    for (const policy of ['Always', 'OnFailure'] as const) {
      const pod = podWithInits(policy);
      const infra = observedContainer(pod, { name: 'POD' });
      const failed = exitedContainer(pod, 'migrate', 1, 2);
      const o = observe(pod, infra, exitedContainer(pod, 'setup', 0), failed);
      const now = computePodActions(pod, o, noBackOff);
      assert.deepEqual(now.containersToStart.map((s) => [s.name, s.restartCount, s.replaces?.id]), [['migrate', 3, failed.id]]);
      const later = computePodActions(pod, o, inBackOff({ durationMs: 40_000, remainingMs: 1_000 }));
      assert.deepEqual(later.containersToStart, []);
      assert.deepEqual(later.backOff.map((b) => b.name), ['migrate']);
      assert.equal(later.killPod, false);
    }
  });

  it('kills the pod when an init container fails under restartPolicy Never', () => {
    const pod = podWithInits('Never');
    const o = observe(pod, observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'setup', 2));
    const a = computePodActions(pod, o, noBackOff);
    assert.equal(a.killPod, true);
    assert.deepEqual(a.containersToStart, []);
  });

  it('runs every init container again with a new sandbox, removing the old instances', () => {
    const pod = podWithInits();
    const deadInfra = observedContainer(pod, { name: 'POD', state: 'exited' });
    const setup = exitedContainer(pod, 'setup', 0);
    const migrate = exitedContainer(pod, 'migrate', 0);
    const web = exitedContainer(pod, 'web', 137);
    const a = computePodActions(pod, observe(pod, deadInfra, setup, migrate, web), noBackOff);
    assert.equal(a.createSandbox, true);
    assert.deepEqual(starts(a), [['setup', true, 0]]);
    assert.deepEqual(new Set(a.containersToRemove), new Set([deadInfra.id, setup.id, migrate.id]));
  });
});

describe('computePodActions: probes', () => {
  const failing = (what: 'liveness' | 'startup'): ActionContext => ({ backOff: () => undefined, probeFailure: () => what });

  it('kills a container whose liveness probe failed and starts it again', () => {
    const pod = makePod({ containers: [{ name: 'web', image: 'skiff/demo-web:v1', livenessProbe: { httpGet: { port: 8080 }, terminationGracePeriodSeconds: 5 } }] });
    const web = observedContainer(pod, { name: 'web', attempt: 1 });
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), web), failing('liveness'));
    assert.deepEqual(a.containersToKill, [{ id: web.id, name: 'web', message: 'Container web failed liveness probe, will be restarted', gracePeriodSeconds: 5 }]);
    assert.deepEqual(a.containersToStart.map((s) => [s.name, s.restartCount]), [['web', 2]]);
    assert.equal(a.killPod, false);
  });

  it('kills without restarting under restartPolicy Never (then the pod stops)', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const web = observedContainer(pod, { name: 'web' });
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), web), failing('startup'));
    assert.deepEqual(a.containersToKill.map((k) => k.message), ['Container web failed startup probe']);
    assert.deepEqual(a.containersToStart, []);
    assert.equal(a.killPod, true);
  });

  it('counts the back-off of a liveness restart from the previous dead instance', () => {
    const pod = makePod({ name: 'web-x', uid: 'u-9' });
    const previous = exitedContainer(pod, 'web', 137, 1);
    const current = observedContainer(pod, { name: 'web', attempt: 2 });
    let asked: number | undefined;
    const ctx: ActionContext = {
      backOff: (_n, finished) => {
        asked = finished;
        return { durationMs: 20_000, remainingMs: 5_000 };
      },
      probeFailure: (_n, id) => (id === current.id ? 'liveness' : undefined),
    };
    const a = computePodActions(pod, observe(pod, observedContainer(pod, { name: 'POD' }), current, previous), ctx);
    assert.equal(asked, Date.parse(previous.finishedAt ?? ''));
    assert.deepEqual(a.containersToKill.map((k) => k.id), [current.id]);
    assert.deepEqual(a.containersToStart, []);
    assert.deepEqual(a.backOff.map((b) => b.message), ['back-off 20s restarting failed container=web pod=web-x_default(u-9)']);
  });
});
