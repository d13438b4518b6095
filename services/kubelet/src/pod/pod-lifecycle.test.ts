// The pod syncer with probes, init containers, lifecycle hooks and restart back-off, on the fake
// runtime (whose exec runs the probes and hooks), the in-memory API and a FakeClock: periods,
// back-offs and grace periods pass by `clock.advance`, never by waiting.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { findCondition, objectKey, type Container, type Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { fakeNodeSyncer } from '../testing/fake-node-syncer.js';
import { makePod } from '../testing/fixtures.js';
import { LABEL_CONTAINER_NAME, LABEL_ROLE } from './labels.js';
import type { PodSyncer } from './pod-syncer.js';

/** Lets the fake runtime's programs and the probe workers run. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('pod lifecycle', () => {
  let clock: FakeClock;
  let rt: FakeRuntime;
  let api: FakeApi;
  let syncer: PodSyncer;
  let events: string[];
  /** What the `check` command exits with, per probe name (`check <name>`). */
  let checks: Record<string, number>;

  beforeEach(() => {
    clock = new FakeClock();
    rt = new FakeRuntime({ clock });
    api = new FakeApi();
    events = [];
    checks = {};
    rt.onExec = (_id, cmd) =>
      cmd[0] === 'check'
        ? async (_argv, io) => {
            const code = checks[cmd[1] ?? ''] ?? 0;
            if (code !== 0) io.out(`${cmd[1] ?? ''} unhealthy\n`);
            return code;
          }
        : undefined;
    syncer = fakeNodeSyncer({ runtime: rt, api, clock, events: { record: (_pod, type, reason, message) => events.push(`${type} ${reason} ${message}`) } });
  });

  const create = (pod: Pod): Promise<Pod> => api.create('pods', pod);
  const current = (pod: Pod): Pod => api.peek<Pod>('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '') as Pod;
  const sync = async (pod: Pod) => syncer.sync(objectKey(pod), current(pod));
  const apps = (name?: string) => rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app' && (name === undefined || c.labels[LABEL_CONTAINER_NAME] === name));
  const runningApp = (name: string) => apps(name).find((c) => c.state === 'running');
  const execsOf = (word: string) => rt.execs.filter((e) => e.cmd.includes(word)).length;
  /** Moves time one probe period at a time, letting the workers probe. */
  const periods = async (n: number, ms = 10_000): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await settle(); // probes in flight finish before their timeouts could fire
      clock.advance(ms);
      await settle();
    }
  };
  const web = (over: Partial<Container>): Container => ({ name: 'web', image: 'skiff/demo-web:v1', ...over });

  describe('init containers', () => {
    function initPod(migrate: string[], restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
      const pod = makePod({ restartPolicy, containers: [web({})] });
      pod.spec.initContainers = [
        { name: 'setup', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo setup'] },
        { name: 'migrate', image: 'skiff/busybox:latest', command: migrate },
      ];
      return pod;
    }

    it('run one at a time, in order, each to completion before the app containers', async () => {
      const pod = await create(initPod(['sh', '-c', 'echo migrate']));
      await sync(pod);
      assert.deepEqual(apps().map((c) => c.labels[LABEL_CONTAINER_NAME]), ['setup']);
      let s = current(pod).status;
      assert.equal(s?.phase, 'Pending');
      assert.equal(findCondition(s?.conditions, 'Initialized')?.status, 'False');
      assert.equal(s?.containerStatuses?.[0]?.state.waiting?.reason, 'PodInitializing');
      await until('setup done', () => apps('setup')[0]?.state === 'exited');
      await sync(pod);
      assert.deepEqual(apps().map((c) => c.labels[LABEL_CONTAINER_NAME]).sort(), ['migrate', 'setup']);
      await until('migrate done', () => apps('migrate')[0]?.state === 'exited');
      await sync(pod);
      assert.ok(runningApp('web'));
      s = current(pod).status;
      assert.equal(s?.phase, 'Running');
      assert.equal(findCondition(s?.conditions, 'Initialized')?.status, 'True');
      assert.deepEqual(s?.initContainerStatuses?.map((c) => [c.name, c.state.terminated?.reason, c.ready]), [
        ['setup', 'Completed', true],
        ['migrate', 'Completed', true],
      ]);
      assert.deepEqual(
        events.filter((e) => e.includes('Started')),
        ['Normal Started Started container setup', 'Normal Started Started container migrate', 'Normal Started Started container web'],
      );
      // Nothing runs twice.
      await sync(pod);
      assert.equal(apps().length, 3);
    });

    it('block the pod while one fails: restarted with back-off (Init:CrashLoopBackOff), the app never started', async () => {
      const pod = await create(initPod(['sh', '-c', 'exit 1']));
      for (const name of ['setup', 'migrate']) {
        await sync(pod);
        await until(`${name} done`, () => apps(name).some((c) => c.state === 'exited'));
      }
      await sync(pod); // the first restart is immediate
      await until('second failure', () => apps('migrate').filter((c) => c.state === 'exited').length === 2);
      const r = await sync(pod);
      assert.ok(r.requeueAfterMs !== undefined && r.requeueAfterMs >= 10_000);
      const s = current(pod).status;
      assert.equal(s?.phase, 'Pending');
      const migrate = s?.initContainerStatuses?.find((c) => c.name === 'migrate');
      assert.equal(migrate?.state.waiting?.reason, 'CrashLoopBackOff');
      assert.equal(migrate?.lastState.terminated?.reason, 'Error');
      assert.equal(migrate?.restartCount, 1);
      assert.deepEqual(apps('web'), []);
    });

    it('fail the pod under restartPolicy Never (Init:Error)', async () => {
      const pod = await create(initPod(['sh', '-c', 'exit 2'], 'Never'));
      for (const name of ['setup', 'migrate']) {
        await sync(pod);
        await until(`${name} done`, () => apps(name).some((c) => c.state === 'exited'));
      }
      await sync(pod);
      const s = current(pod).status;
      assert.equal(s?.phase, 'Failed');
      assert.deepEqual(s?.initContainerStatuses?.[1]?.state.terminated?.reason, 'Error');
      assert.deepEqual(rt.all().filter((c) => c.state === 'running'), [], 'the sandbox is stopped');
      assert.deepEqual(apps('web'), []);
    });
  });

  describe('probes', () => {
    it('restarts a container whose liveness probe fails failureThreshold times, with Unhealthy and Killing events', async () => {
      const pod = await create(makePod({ containers: [web({ livenessProbe: { exec: { command: ['check', 'live'] } } })] }));
      await sync(pod);
      const first = runningApp('web');
      assert.ok(first);
      await periods(2);
      assert.equal(execsOf('live'), 2, 'probed once a period');
      checks['live'] = 1;
      await periods(2);
      await sync(pod);
      assert.equal(runningApp('web')?.id, first.id, 'two failures are under the threshold');
      await periods(1);
      await sync(pod);
      const second = runningApp('web');
      assert.ok(second && second.id !== first.id, 'restarted');
      assert.deepEqual(new Set(events.filter((e) => e.includes('Unhealthy'))), new Set(['Warning Unhealthy Liveness probe failed: live unhealthy\n']));
      assert.equal(events.filter((e) => e.includes('Unhealthy')).length, 3, 'one per failed probe (the recorder counts repeats)');
      assert.ok(events.includes('Normal Killing Container web failed liveness probe, will be restarted'));
      const cs = current(pod).status?.containerStatuses?.[0];
      assert.equal(cs?.restartCount, 1);
      assert.equal(cs?.lastState.terminated?.exitCode, 143);
      assert.equal(cs?.lastState.terminated?.reason, 'Error');
      // The new instance is probed afresh: healthy again, it stays.
      checks['live'] = 0;
      await periods(3);
      await sync(pod);
      assert.equal(runningApp('web')?.id, second.id);
    });

    it('gates the Ready condition on the readiness probe, both ways', async () => {
      checks['ready'] = 1;
      const pod = await create(makePod({ containers: [web({ readinessProbe: { exec: { command: ['check', 'ready'] }, failureThreshold: 2 } })] }));
      await sync(pod);
      await settle();
      await sync(pod);
      let s = current(pod).status;
      assert.equal(s?.phase, 'Running');
      assert.equal(s?.containerStatuses?.[0]?.ready, false);
      assert.equal(findCondition(s?.conditions, 'Ready')?.status, 'False');
      checks['ready'] = 0;
      await periods(1);
      await sync(pod);
      s = current(pod).status;
      assert.equal(s?.containerStatuses?.[0]?.ready, true);
      assert.equal(findCondition(s?.conditions, 'Ready')?.status, 'True');
      assert.equal(findCondition(s?.conditions, 'ContainersReady')?.status, 'True');
      checks['ready'] = 1;
      await periods(1);
      await sync(pod);
      assert.equal(findCondition(current(pod).status?.conditions, 'Ready')?.status, 'True', 'one failure of two');
      await periods(1);
      await sync(pod);
      assert.equal(findCondition(current(pod).status?.conditions, 'Ready')?.status, 'False');
      assert.ok(runningApp('web'), 'readiness never restarts');
    });

    it('holds liveness and readiness until the startup probe succeeds', async () => {
      checks['start'] = 1;
      checks['live'] = 1;
      const pod = await create(
        makePod({
          containers: [
            web({
              startupProbe: { exec: { command: ['check', 'start'] }, periodSeconds: 1, failureThreshold: 30 },
              livenessProbe: { exec: { command: ['check', 'live'] }, periodSeconds: 1, failureThreshold: 1 },
              readinessProbe: { exec: { command: ['check', 'ready'] }, periodSeconds: 1 },
            }),
          ],
        }),
      );
      await sync(pod);
      await periods(5, 1_000);
      await sync(pod);
      assert.ok(execsOf('start') >= 5);
      assert.equal(execsOf('live') + execsOf('ready'), 0);
      assert.equal(current(pod).status?.containerStatuses?.[0]?.started, false);
      checks['start'] = 0;
      checks['live'] = 0;
      await periods(1, 1_000);
      await sync(pod);
      assert.equal(current(pod).status?.containerStatuses?.[0]?.started, true);
      const starts = execsOf('start');
      await periods(3, 1_000);
      await sync(pod);
      assert.equal(execsOf('start'), starts, 'the startup probe is done');
      assert.ok(execsOf('live') >= 3 && execsOf('ready') >= 1);
      assert.equal(current(pod).status?.containerStatuses?.[0]?.ready, true);
    });
  });

  describe('lifecycle hooks', () => {
    it('runs postStart right after the start', async () => {
      const pod = await create(makePod({ containers: [web({ lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo started'] } } } })] }));
      await sync(pod);
      const c = runningApp('web');
      assert.ok(c);
      assert.deepEqual(rt.execs.map((e) => [e.containerId, e.cmd.join(' ')]), [[c.id, 'sh -c echo started']]);
      assert.equal(current(pod).status?.containerStatuses?.[0]?.state.running !== undefined, true);
    });

    it('kills the container when postStart fails (FailedPostStartHook), then restarts it per restartPolicy', async () => {
      const pod = await create(makePod({ containers: [web({ lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 3'] } } } })] }));
      await sync(pod);
      assert.equal(runningApp('web'), undefined);
      const uid = pod.metadata.uid ?? '';
      const message = `Exec lifecycle hook ([sh -c exit 3]) for Container "web" in Pod "web-1_default(${uid})" failed - error: command 'sh -c exit 3' exited with 3: , message: ""`;
      assert.ok(events.includes(`Warning FailedPostStartHook ${message}`));
      assert.ok(events.includes('Normal Killing FailedPostStartHook'));
      const cs = current(pod).status?.containerStatuses?.[0];
      assert.deepEqual(cs?.state.waiting, { reason: 'PostStartHookError', message });
      await sync(pod);
      assert.equal(apps('web').length, 2, 'started again (restartPolicy Always)');
    });

    it('runs preStop before stopping a deleted pod\'s container; the grace left goes to SIGTERM', async () => {
      const pod = await create(makePod({ terminationGracePeriodSeconds: 30, containers: [web({ lifecycle: { preStop: { sleep: { seconds: 5 } } } })] }));
      await sync(pod);
      const stops: number[] = [];
      const stop = rt.stopContainer.bind(rt);
      rt.stopContainer = async (id, t) => {
        if (rt.all().find((c) => c.id === id)?.labels[LABEL_ROLE] === 'app') stops.push(t);
        return stop(id, t);
      };
      await api.delete('pods', 'default', 'web-1');
      const terminating = sync(pod);
      await settle();
      assert.deepEqual(stops, [], 'the preStop hook runs first');
      assert.ok(runningApp('web'));
      clock.advance(5_000);
      await terminating;
      assert.deepEqual(stops, [25]);
      assert.equal(api.peek('pods', 'default', 'web-1'), undefined);
    });

    it('runs preStop before a liveness restart too, and reports a failing one', async () => {
      const pod = await create(
        makePod({
          containers: [web({ livenessProbe: { exec: { command: ['check', 'live'] }, failureThreshold: 1 }, lifecycle: { preStop: { exec: { command: ['sh', '-c', 'exit 1'] } } } })],
        }),
      );
      await sync(pod);
      const first = runningApp('web');
      checks['live'] = 1;
      await periods(1);
      await sync(pod);
      assert.notEqual(runningApp('web')?.id, first?.id);
      assert.deepEqual(rt.execs.filter((e) => e.cmd[0] === 'sh').map((e) => e.containerId), [first?.id]);
      assert.ok(events.some((e) => e.startsWith('Warning FailedPreStopHook Exec lifecycle hook ([sh -c exit 1]) for Container "web"')));
    });
  });

  describe('restart back-off', () => {
    it('doubles 10 s, 20 s, and starts over after 10 minutes of clean running', async () => {
      const pod = await create(makePod({ containers: [web({ image: 'skiff/busybox:latest', command: ['sleep', '3600'] })] }));
      const crash = async (): Promise<void> => {
        const c = runningApp('web');
        assert.ok(c);
        rt.exit(c.id, 1);
        await sync(pod);
      };
      const waiting = () => current(pod).status?.containerStatuses?.[0]?.state.waiting;
      await sync(pod);
      await crash(); // first restart: at once
      assert.ok(runningApp('web'));
      await crash();
      const uid = pod.metadata.uid ?? '';
      assert.deepEqual(waiting(), { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=web pod=web-1_default(${uid})` });
      clock.advance(10_000);
      await sync(pod);
      await crash();
      assert.equal(waiting()?.message, `back-off 20s restarting failed container=web pod=web-1_default(${uid})`);
      clock.advance(20_000);
      await sync(pod);
      assert.ok(runningApp('web'));
      // Ten minutes and more of clean running: the next crash restarts at once, then 10 s again.
      clock.advance(601_000);
      await crash();
      assert.ok(runningApp('web'), 'restarted at once');
      await crash();
      assert.equal(waiting()?.message, `back-off 10s restarting failed container=web pod=web-1_default(${uid})`);
      assert.equal(current(pod).status?.containerStatuses?.[0]?.restartCount, 4);
    });

    it('keeps OOMKilled as the last termination', async () => {
      const pod = await create(makePod({ containers: [web({ image: 'skiff/busybox:latest', command: ['sleep', '3600'] })] }));
      await sync(pod);
      const c = runningApp('web');
      assert.ok(c);
      rt.oom(c.id);
      await sync(pod);
      const cs = current(pod).status?.containerStatuses?.[0];
      assert.deepEqual([cs?.lastState.terminated?.reason, cs?.lastState.terminated?.exitCode, cs?.restartCount], ['OOMKilled', 137, 1]);
    });
  });
});
