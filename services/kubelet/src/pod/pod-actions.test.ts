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
