import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCondition, type Pod } from '@skiff/api';
import { exitedContainer, makePod, observedContainer } from '../testing/fixtures.js';
import { groupObserved, type ObservedContainer } from './observed.js';
import { apiTime, computePodStatus, podPhase, type WaitingReason } from './pod-status.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');

function status(pod: Pod, containers: ObservedContainer[], waiting: Record<string, WaitingReason> = {}) {
  return computePodStatus(pod, groupObserved(pod.metadata.uid ?? '', containers), {
    now: NOW,
    hostIP: '127.0.0.2',
    waiting: new Map(Object.entries(waiting)),
  });
}

describe('computePodStatus', () => {
  it('reports a running pod: phase, IPs, ready conditions and the container state', () => {
    const pod = makePod();
    const web = observedContainer(pod, { name: 'web', id: 'abc123', startedAt: '2026-01-01T00:00:02.999999999Z' });
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), web]);
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '172.30.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '172.30.0.5' }]);
    assert.equal(s.hostIP, '127.0.0.2');
    assert.equal(s.startTime, '2026-01-01T00:10:00Z');
    assert.equal(s.qosClass, 'BestEffort', 'kept from the apiserver');
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.deepEqual(s.containerStatuses, [
      {
        name: 'web',
        state: { running: { startedAt: '2026-01-01T00:00:02Z' } },
        lastState: {},
        ready: true,
        started: true,
        restartCount: 0,
        image: 'skiff/demo-web:v1',
        imageID: 'docker://sha256:abc',
        containerID: 'docker://abc123',
      },
    ]);
  });

  it('reports a pod waiting for its image: Pending, ErrImageNeverPull with the message, not ready', () => {
    const pod = makePod({ containers: [{ name: 'app', image: 'nope:v1' }] });
    const message = 'Container image "nope:v1" is not present with pull policy of Never';
    const s = status(pod, [observedContainer(pod, { name: 'POD' })], { app: { reason: 'ErrImageNeverPull', message } });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ErrImageNeverPull', message } });
    const ready = findCondition(s.conditions, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'ContainersNotReady');
    assert.equal(ready?.message, 'containers with unready status: [app]');
  });

  it('reports a new pod as ContainerCreating', () => {
    const pod = makePod();
    const s = status(pod, []);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(findCondition(s.conditions, 'PodReadyToStartContainers')?.status, 'False');
    assert.equal(s.podIP, undefined);
  });

  it('reports CrashLoopBackOff with the last termination and the restart count', () => {
    const pod = makePod();
    const dead = exitedContainer(pod, 'web', 1, 4);
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), dead], { web: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=web pod=x' } });
    const cs = s.containerStatuses?.[0];
    assert.equal(s.phase, 'Running', 'restartPolicy Always: still running while restarting');
    assert.equal(cs?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs?.lastState.terminated?.exitCode, 1);
    assert.equal(cs?.lastState.terminated?.reason, 'Error');
    assert.equal(cs?.lastState.terminated?.finishedAt, '2026-01-01T00:00:05Z');
    assert.equal(cs?.restartCount, 4);
  });

  it('shows the previous instance as lastState once restarted', () => {
    const pod = makePod();
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', 137, 0), observedContainer(pod, { name: 'web', attempt: 1 })]);
    const cs = s.containerStatuses?.[0];
    assert.ok(cs?.state.running);
    assert.equal(cs?.restartCount, 1);
    assert.equal(cs?.lastState.terminated?.exitCode, 137);
  });

  it('reports OOMKilled', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const c = exitedContainer(pod, 'web', 137);
    c.oomKilled = true;
    const s = status(pod, [c]);
    assert.equal(s.containerStatuses?.[0]?.state.terminated?.reason, 'OOMKilled');
    assert.equal(s.phase, 'Failed');
  });

  it('reports Succeeded and Failed for finished pods that do not restart', () => {
    const ok = makePod({ restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] });
    const s = status(ok, [exitedContainer(ok, 'a', 0), exitedContainer(ok, 'b', 0)]);
    assert.equal(s.phase, 'Succeeded');
    assert.equal(s.containerStatuses?.[0]?.state.terminated?.reason, 'Completed');
    assert.equal(findCondition(s.conditions, 'Ready')?.reason, 'PodCompleted');
    const bad = makePod({ restartPolicy: 'OnFailure' });
    assert.equal(status(bad, [exitedContainer(bad, 'web', 3)]).phase, 'Running', 'OnFailure restarts a failure');
    const never = makePod({ restartPolicy: 'Never' });
    const f = status(never, [exitedContainer(never, 'web', 3)]);
    assert.equal(f.phase, 'Failed');
    assert.equal(findCondition(f.conditions, 'ContainersReady')?.reason, 'PodFailed');
  });

  it('never leaves a terminal phase', () => {
    const pod = makePod();
    pod.status = { phase: 'Succeeded' };
    assert.equal(status(pod, [observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'web' })]).phase, 'Succeeded');
  });

  it('keeps lastTransitionTime, startTime and foreign conditions while nothing changes', () => {
    const pod = makePod();
    const running = [observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'web' })];
    const first = status(pod, running);
    first.conditions?.unshift({ type: 'example.com/Gate', status: 'True' });
    const later = computePodStatus({ ...pod, status: first }, groupObserved(pod.metadata.uid ?? '', running), {
      now: NOW + 60_000,
      hostIP: '127.0.0.2',
      waiting: new Map(),
    });
    assert.deepEqual(later, first);
    assert.equal(findCondition(later.conditions, 'example.com/Gate')?.status, 'True');
  });

  it('moves lastTransitionTime when a condition flips', () => {
    const pod = makePod();
    const first = status(pod, [observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'web' })]);
    const later = computePodStatus({ ...pod, status: first }, groupObserved(pod.metadata.uid ?? '', [observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'web', 1)]), {
      now: NOW + 60_000,
      hostIP: '127.0.0.2',
      waiting: new Map(),
    });
    assert.equal(findCondition(later.conditions, 'Ready')?.status, 'False');
    assert.equal(findCondition(later.conditions, 'Ready')?.lastTransitionTime, '2026-01-01T00:11:00Z');
    assert.equal(findCondition(later.conditions, 'PodScheduled')?.lastTransitionTime, '2026-01-01T00:10:00Z');
  });

  it('keeps the last pod IP while the sandbox is being re-created', () => {
    const pod = makePod();
    pod.status = { phase: 'Running', podIP: '172.30.0.9', podIPs: [{ ip: '172.30.0.9' }] };
    const s = status(pod, [exitedContainer(pod, 'POD', 137), exitedContainer(pod, 'web', 137)]);
    assert.equal(s.podIP, '172.30.0.9');
  });

  it('podPhase counts a container waiting after a run as stopped, not pending', () => {
    const pod = makePod();
    assert.equal(
      podPhase(pod, [{ name: 'web', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } }, ready: false, restartCount: 1, image: '', imageID: '' }]),
      'Running',
    );
  });

  it('converts Docker times to API times', () => {
    assert.equal(apiTime('2026-03-04T05:06:07.123456789Z'), '2026-03-04T05:06:07Z');
    assert.equal(apiTime(undefined), undefined);
  });
});

describe('computePodStatus: init containers', () => {
  function podWithInits(restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
    const pod = makePod({ restartPolicy });
    pod.spec.initContainers = [
      { name: 'setup', image: 'skiff/busybox:latest' },
      { name: 'migrate', image: 'skiff/busybox:latest' },
    ];
    return pod;
  }

  it('reports initialization in progress: Pending, Initialized False, everything else PodInitializing', () => {
    const pod = podWithInits();
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'setup' })]);
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(
      s.initContainerStatuses?.map((c) => [c.name, Object.keys(c.state)[0], c.state.waiting?.reason, c.ready]),
      [
        ['setup', 'running', undefined, false],
        ['migrate', 'waiting', 'PodInitializing', false],
      ],
    );
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    const init = findCondition(s.conditions, 'Initialized');
    assert.equal(init?.status, 'False');
    assert.equal(init?.reason, 'ContainersNotInitialized');
    assert.equal(init?.message, 'containers with incomplete status: [setup migrate]');
    assert.equal(findCondition(s.conditions, 'Ready')?.status, 'False');
  });

  it('reports a crash-looping init container as waiting CrashLoopBackOff with its last exit, the pod Pending', () => {
    const pod = podWithInits();
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'setup', 0), exitedContainer(pod, 'migrate', 1, 3)], {
      migrate: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=migrate pod=x' },
    });
    assert.equal(s.phase, 'Pending');
    const migrate = s.initContainerStatuses?.[1];
    assert.equal(migrate?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(migrate?.lastState.terminated?.reason, 'Error');
    assert.equal(migrate?.restartCount, 3);
    assert.equal(s.initContainerStatuses?.[0]?.ready, true, 'an init container that exited 0 is ready');
    assert.equal(s.initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
  });

  it('fails the pod when an init container failed under restartPolicy Never', () => {
    const pod = podWithInits('Never');
    const s = status(pod, [observedContainer(pod, { name: 'POD', state: 'exited' }), exitedContainer(pod, 'setup', 2)]);
    assert.equal(s.phase, 'Failed');
    assert.equal(s.initContainerStatuses?.[0]?.state.terminated?.exitCode, 2);
  });

  it('is Initialized once every init container exited 0, and Running with the app container', () => {
    const pod = podWithInits();
    const s = status(pod, [observedContainer(pod, { name: 'POD' }), exitedContainer(pod, 'setup', 0), exitedContainer(pod, 'migrate', 0), observedContainer(pod, { name: 'web' })]);
    assert.equal(s.phase, 'Running');
    assert.equal(findCondition(s.conditions, 'Initialized')?.status, 'True');
    assert.equal(findCondition(s.conditions, 'Ready')?.status, 'True');
  });
});

describe('computePodStatus: probes and terminations', () => {
  const withProbes = (pod: Pod, containers: ObservedContainer[], probes: { started: boolean; ready: boolean }) =>
    computePodStatus(pod, groupObserved(pod.metadata.uid ?? '', containers), {
      now: NOW,
      hostIP: '127.0.0.2',
      waiting: new Map(),
      probes: { started: () => probes.started, ready: () => probes.ready },
    });

  it('keeps a running container unready until its probes say so, and the pod not Ready', () => {
    const pod = makePod();
    const running = [observedContainer(pod, { name: 'POD' }), observedContainer(pod, { name: 'web' })];
    const starting = withProbes(pod, running, { started: false, ready: true });
    assert.deepEqual([starting.containerStatuses?.[0]?.started, starting.containerStatuses?.[0]?.ready], [false, false], 'not ready before started');
    const unready = withProbes(pod, running, { started: true, ready: false });
    assert.equal(unready.phase, 'Running');
    assert.deepEqual([unready.containerStatuses?.[0]?.started, unready.containerStatuses?.[0]?.ready], [true, false]);
    const ready = findCondition(unready.conditions, 'Ready');
    assert.deepEqual([ready?.status, ready?.message], ['False', 'containers with unready status: [web]']);
    assert.equal(findCondition(unready.conditions, 'ContainersReady')?.status, 'False');
    const ok = withProbes(pod, running, { started: true, ready: true });
    assert.equal(findCondition(ok.conditions, 'Ready')?.status, 'True');
  });

  it('keeps the previous termination with its reason: Error, Completed, OOMKilled', () => {
    const pod = makePod();
    const infra = observedContainer(pod, { name: 'POD' });
    const last = (dead: ObservedContainer) => status(pod, [infra, observedContainer(pod, { name: 'web', attempt: 1 }), dead]).containerStatuses?.[0]?.lastState.terminated;
    assert.deepEqual([last(exitedContainer(pod, 'web', 1))?.reason, last(exitedContainer(pod, 'web', 1))?.exitCode], ['Error', 1]);
    assert.equal(last(exitedContainer(pod, 'web', 0))?.reason, 'Completed');
    const oom = { ...exitedContainer(pod, 'web', 137), oomKilled: true };
    assert.deepEqual([last(oom)?.reason, last(oom)?.exitCode], ['OOMKilled', 137]);
  });
});
