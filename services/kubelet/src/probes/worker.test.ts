// The probe worker's state machine and the manager's answers, on a FakeClock with a scripted
// prober: no real time passes and nothing is probed for real.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Container, ContainerStatus, Pod, PodStatus, Probe } from '@skiff/api';
import { FakeClock } from '@skiff/machinery';
import { makePod } from '../testing/fixtures.js';
import { ProbeManager } from './probe-manager.js';
import type { ContainerProber, ProbeTarget } from './prober.js';
import type { ProbeResult, ProbeType } from './results.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Answers each probe type from a script; counts calls. */
class ScriptedProber implements ContainerProber {
  next: Record<ProbeType, ProbeResult> = { liveness: 'success', readiness: 'success', startup: 'success' };
  calls: { type: ProbeType; containerId: string }[] = [];
  async probe(type: ProbeType, t: ProbeTarget): Promise<ProbeResult> {
    this.calls.push({ type, containerId: t.containerId });
    return this.next[type];
  }
  count(type: ProbeType): number {
    return this.calls.filter((c) => c.type === type).length;
  }
}

const check: Probe = { exec: { command: ['check'] } };

function podWith(container: Partial<Container>, restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
  return makePod({ restartPolicy, containers: [{ name: 'web', image: 'skiff/demo-web:v1', ...container }] });
}

describe('probe workers', () => {
  let clock: FakeClock;
  let prober: ScriptedProber;
  let manager: ProbeManager;
  let syncs: string[];

  beforeEach(() => {
    clock = new FakeClock();
    prober = new ScriptedProber();
    manager = new ProbeManager({ prober, clock, autoRun: false });
    syncs = [];
    manager.setListener((key) => syncs.push(key));
  });

  /** The status the kubelet would have computed: the container `id` running since `startedAt`. */
  function running(pod: Pod, id: string, over: Partial<ContainerStatus> = {}, startedAt = clock.now()): PodStatus {
    return {
      phase: 'Running',
      podIP: '172.30.0.5',
      containerStatuses: [
        {
          name: 'web',
          state: { running: { startedAt: new Date(startedAt).toISOString() } },
          lastState: {},
          ready: false,
          started: manager.started(pod.metadata.uid ?? '', 'web', id),
          restartCount: 0,
          image: 'skiff/demo-web:v1',
          imageID: '',
          containerID: `docker://${id}`,
          ...over,
        },
      ],
    };
  }
  const uid = (pod: Pod): string => pod.metadata.uid ?? '';

  it('starts a container unready, and makes it ready after successThreshold successes in a row', async () => {
    const pod = podWith({ readinessProbe: { ...check, successThreshold: 2 } });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'readiness');
    assert.ok(w);
    assert.equal(await w.doProbe(), true);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), false, 'one success is not enough');
    await w.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
    assert.deepEqual(syncs, ['default/web-1', 'default/web-1'], 'initial failure, then success: each asks for a sync');
    prober.next.readiness = 'failure';
    await w.doProbe();
    await w.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true, 'two failures are under the threshold of 3');
    await w.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), false);
  });

  it('counts only failures in a row: a success in between starts the count again', async () => {
    const pod = podWith({ livenessProbe: check });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'liveness');
    assert.ok(w);
    for (const r of ['failure', 'failure', 'success', 'failure', 'failure'] as const) {
      prober.next.liveness = r;
      await w.doProbe();
    }
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), undefined);
    await w.doProbe();
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), 'liveness');
    assert.deepEqual(syncs, ['default/web-1'], 'only the failure asks for a sync');
  });

  it('holds a failed liveness probe until a new container instance appears, which starts over', async () => {
    const pod = podWith({ livenessProbe: { ...check, failureThreshold: 1 } });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'liveness');
    assert.ok(w);
    prober.next.liveness = 'failure';
    await w.doProbe();
    assert.equal(w.onHold, true);
    const calls = prober.count('liveness');
    await w.doProbe();
    await w.doProbe();
    assert.equal(prober.count('liveness'), calls, 'no probing on hold');
    // The kubelet restarted it.
    manager.updatePodStatus(pod, running(pod, 'c2'));
    prober.next.liveness = 'success';
    await w.doProbe();
    assert.equal(w.onHold, false);
    assert.equal(prober.count('liveness'), calls + 1);
    assert.equal(manager.failure(uid(pod), 'web', 'c2'), undefined);
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), undefined, 'the old instance is forgotten');
  });

  it('waits initialDelaySeconds after the container started', async () => {
    const pod = podWith({ livenessProbe: { ...check, initialDelaySeconds: 15 } });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'liveness');
    assert.ok(w);
    await w.doProbe();
    clock.advance(14_999);
    await w.doProbe();
    assert.equal(prober.count('liveness'), 0);
    clock.advance(1);
    await w.doProbe();
    assert.equal(prober.count('liveness'), 1);
  });

  it('holds liveness and readiness until the startup probe succeeds, then stops probing startup', async () => {
    const pod = podWith({ startupProbe: { ...check, failureThreshold: 30 }, livenessProbe: check, readinessProbe: check });
    manager.addPod(pod);
    const step = async (): Promise<void> => {
      manager.updatePodStatus(pod, running(pod, 'c1'));
      for (const t of ['startup', 'liveness', 'readiness'] as const) await manager.worker(uid(pod), 'web', t)?.doProbe();
    };
    prober.next.startup = 'failure';
    await step();
    await step();
    assert.equal(prober.count('startup'), 2);
    assert.equal(prober.count('liveness') + prober.count('readiness'), 0, 'held by the startup probe');
    assert.equal(manager.started(uid(pod), 'web', 'c1'), false);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), false);
    prober.next.startup = 'success';
    await step();
    assert.equal(manager.started(uid(pod), 'web', 'c1'), true);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), false, 'readiness has not succeeded yet');
    await step();
    assert.equal(prober.count('startup'), 3, 'startup stops once started');
    assert.equal(prober.count('liveness'), 1);
    assert.equal(prober.count('readiness'), 1);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
  });

  it('fails a startup probe after failureThreshold attempts, asking for a restart', async () => {
    const pod = podWith({ startupProbe: { ...check, failureThreshold: 2 } });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    prober.next.startup = 'failure';
    const w = manager.worker(uid(pod), 'web', 'startup');
    await w?.doProbe();
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), undefined);
    await w?.doProbe();
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), 'startup');
  });

  it('keeps a result when the probe errors (unknown)', async () => {
    const pod = podWith({ readinessProbe: { ...check, failureThreshold: 1 } });
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'readiness');
    await w?.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
    prober.next.readiness = 'unknown';
    await w?.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
  });

  it('counts a container that is not running as failed, and ends when it will never run again', async () => {
    const pod = podWith({ readinessProbe: check }, 'Never');
    manager.addPod(pod);
    manager.updatePodStatus(pod, running(pod, 'c1'));
    const w = manager.worker(uid(pod), 'web', 'readiness');
    assert.ok(w);
    await w.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
    const dead = running(pod, 'c1', { state: { terminated: { exitCode: 1, reason: 'Error' } } });
    manager.updatePodStatus(pod, dead);
    assert.equal(await w.doProbe(), false, 'restartPolicy Never: the worker ends');
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), false);
  });

  it('stops liveness quietly while the pod is being deleted, and every probe once the pod finished', async () => {
    const pod = podWith({ livenessProbe: check, readinessProbe: check });
    manager.addPod(pod);
    const deleting = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    manager.updatePodStatus(deleting, running(pod, 'c1'));
    prober.next.liveness = 'failure';
    assert.equal(await manager.worker(uid(pod), 'web', 'liveness')?.doProbe(), false);
    assert.equal(manager.failure(uid(pod), 'web', 'c1'), undefined);
    manager.updatePodStatus(deleting, { ...running(pod, 'c1'), phase: 'Succeeded' });
    assert.equal(await manager.worker(uid(pod), 'web', 'readiness')?.doProbe(), false);
    assert.equal(prober.count('liveness'), 0);
  });

  it('probes every periodSeconds on the clock, and at once when triggered', async () => {
    manager = new ProbeManager({ prober, clock });
    const pod = podWith({ readinessProbe: { ...check, periodSeconds: 5, failureThreshold: 1 } });
    manager.addPod(pod);
    await settle(); // the first round found no status yet
    manager.updatePodStatus(pod, { ...running(pod, 'c1'), containerStatuses: [] });
    assert.equal(prober.count('readiness'), 0);
    manager.updatePodStatus(pod, running(pod, 'c1', { started: true }));
    await settle();
    assert.equal(prober.count('readiness'), 1, 'a started, unready container is probed at once');
    clock.advance(4_999);
    await settle();
    assert.equal(prober.count('readiness'), 1);
    clock.advance(1);
    await settle();
    assert.equal(prober.count('readiness'), 2);
    clock.advance(5_000);
    await settle();
    assert.equal(prober.count('readiness'), 3);
    manager.removePod(uid(pod));
    clock.advance(60_000);
    await settle();
    assert.equal(prober.count('readiness'), 3, 'stopped with its pod');
    assert.equal(manager.workerCount(), 0);
  });

  it('keeps a ready container ready across a kubelet restart (results adopted from the pod status)', async () => {
    const pod = podWith({ readinessProbe: check, startupProbe: check });
    const status = running(pod, 'c1', { ready: true, started: true });
    manager.addPod({ ...pod, status });
    assert.equal(manager.started(uid(pod), 'web', 'c1'), true);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
    manager.updatePodStatus(pod, status);
    await manager.worker(uid(pod), 'web', 'readiness')?.doProbe();
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true, 'not reset to the initial failure');
  });

  it('treats a container without probes as started and ready, and makes no workers for it', () => {
    const pod = podWith({});
    manager.addPod(pod);
    assert.equal(manager.workerCount(), 0);
    assert.equal(manager.started(uid(pod), 'web', 'c1'), true);
    assert.equal(manager.ready(uid(pod), 'web', 'c1'), true);
  });
});
