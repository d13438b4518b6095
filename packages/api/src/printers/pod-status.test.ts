import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus, Pod } from '../types.js';
import { podSummary } from './pod-status.js';

const now = Date.parse('2024-05-01T12:00:00Z');

function pod(status: Pod['status'], extra: Partial<Pod['metadata']> = {}, containers = 1): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z', ...extra },
    spec: { containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, image: 'img' })) },
    ...(status ? { status } : {}),
  };
}

function cs(state: ContainerStatus['state'], over: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: 'c0', state, lastState: {}, ready: false, restartCount: 0, image: 'img', imageID: '', ...over };
}

test('an unscheduled pod is Pending with 0/N ready', () => {
  assert.deepEqual(podSummary(pod({ phase: 'Pending' }), now), { ready: '0/1', status: 'Pending', restarts: '0' });
  assert.equal(podSummary(pod(undefined), now).status, '');
});

test('a running, ready container counts as ready', () => {
  const p = pod({ phase: 'Running', containerStatuses: [cs({ running: { startedAt: '2024-05-01T11:00:05Z' } }, { ready: true })] });
  assert.deepEqual(podSummary(p, now), { ready: '1/1', status: 'Running', restarts: '0' });
});

test('a waiting reason wins over the phase: ContainerCreating, ErrImageNeverPull, CrashLoopBackOff', () => {
  for (const reason of ['ContainerCreating', 'ErrImageNeverPull', 'CrashLoopBackOff', 'ImagePullBackOff']) {
    const p = pod({ phase: 'Pending', containerStatuses: [cs({ waiting: { reason, message: 'm' } })] });
    assert.equal(podSummary(p, now).status, reason);
  }
});

test('the first container with a reason decides (containers are scanned from the last)', () => {
  const p = pod(
    {
      phase: 'Running',
      containerStatuses: [
        cs({ waiting: { reason: 'CrashLoopBackOff' } }, { name: 'c0' }),
        cs({ waiting: { reason: 'ContainerCreating' } }, { name: 'c1' }),
      ],
    },
    {},
    2,
  );
  assert.equal(podSummary(p, now).status, 'CrashLoopBackOff');
});

test('terminated containers: their reason, else ExitCode:N or Signal:N', () => {
  const done = pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] });
  assert.equal(podSummary(done, now).status, 'Completed');
  const code = pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 3 } })] });
  assert.equal(podSummary(code, now).status, 'ExitCode:3');
  const sig = pod({ phase: 'Failed', containerStatuses: [cs({ terminated: { exitCode: 137, signal: 9 } })] });
  assert.equal(podSummary(sig, now).status, 'Signal:9');
});

test('Completed with another container still running reads Running or NotReady', () => {
  const statuses = [cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { name: 'c0' }), cs({ running: {} }, { name: 'c1', ready: true })];
  const ready = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: statuses }, {}, 2);
  assert.equal(podSummary(ready, now).status, 'Running');
  const notReady = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: statuses }, {}, 2);
  assert.equal(podSummary(notReady, now).status, 'NotReady');
});

test('a pod being deleted is Terminating unless it already finished', () => {
  const running = pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true })] }, { deletionTimestamp: '2024-05-01T11:59:50Z' });
  assert.equal(podSummary(running, now).status, 'Terminating');
  const done = pod({ phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }, { deletionTimestamp: '2024-05-01T11:59:50Z' });
  assert.equal(podSummary(done, now).status, 'Completed');
});

test('restarts add up and show how long ago the last one was', () => {
  const p = pod(
    {
      phase: 'Running',
      containerStatuses: [
        cs({ running: {} }, { ready: true, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:55Z' } } }),
        cs({ running: {} }, { name: 'c1', ready: true, restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:50:00Z' } } }),
      ],
    },
    {},
    2,
  );
  assert.deepEqual(podSummary(p, now), { ready: '2/2', status: 'Running', restarts: '3 (5s ago)' });
  const noTime = pod({ phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true, restartCount: 4 })] });
  assert.equal(podSummary(noTime, now).restarts, '4');
});

test("the pod's own reason overrides the phase", () => {
  assert.equal(podSummary(pod({ phase: 'Failed', reason: 'Evicted' }), now).status, 'Evicted');
});
