import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { errors, objectKey, type Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { makePod } from '../testing/fixtures.js';
import { LABEL_NODE, LABEL_RESTART_COUNT, LABEL_ROLE } from './labels.js';
import { PodSyncer } from './pod-syncer.js';

const NODE = 'node-a';
const tick = () => new Promise((r) => setImmediate(r));

describe('PodSyncer', () => {
  let clock: FakeClock;
  let rt: FakeRuntime;
  let api: FakeApi;
  let syncer: PodSyncer;
  let recorded: string[];
  let networkEnsured = false;

  const newSyncer = (extra: { registry?: string } = {}) =>
    new PodSyncer({
      ...extra,
      runtime: rt,
      api,
      clock,
      log: silentLogger(),
      node: NODE,
      hostIP: '127.0.0.2',
      network: `skiff-${NODE}`,
      // Memoized, as run() does: only a recheck looks again.
      ensureNetwork: async (recheck?: boolean) => {
        if (networkEnsured && !recheck) return;
        await rt.ensureNetwork({ name: `skiff-${NODE}`, labels: { [LABEL_NODE]: NODE } });
        networkEnsured = true;
      },
      infraImage: 'skiff/busybox:latest',
      events: { record: (_pod, type, reason, message) => recorded.push(`${type} ${reason} ${message}`) },
    });

  beforeEach(() => {
    clock = new FakeClock();
    rt = new FakeRuntime({ clock });
    api = new FakeApi();
    recorded = [];
    networkEnsured = false;
    syncer = newSyncer();
  });

  async function create(pod: Pod): Promise<Pod> {
    return api.create('pods', pod);
  }
  async function sync(pod: Pod | string) {
    const key = typeof pod === 'string' ? pod : objectKey(pod);
    const [ns = '', name = ''] = key.split('/');
    const current = api.peek<Pod>('pods', ns, name);
    return syncer.sync(key, current);
  }
  const fresh = (p: Pod) => api.peek<Pod>('pods', p.metadata.namespace ?? '', p.metadata.name ?? '') as Pod;
  const running = () => rt.all().filter((c) => c.state === 'running');

  it('starts a new pod: infra container owning the network, app container joined to it, status Running', async () => {
    const pod = await create(makePod({ containers: [{ name: 'web', image: 'skiff/demo-web:v1', env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '500m', memory: '64Mi' } } }] }));
    await sync(pod);
    const infra = rt.all().find((c) => c.labels[LABEL_ROLE] === 'infra');
    const app = rt.all().find((c) => c.labels[LABEL_ROLE] === 'app');
    assert.ok(infra && app);
    assert.equal(infra.state, 'running');
    assert.equal(app.state, 'running');
    const infraSpec = rt.specOf(infra.id);
    assert.equal(infraSpec.networkMode, 'skiff-node-a');
    assert.equal(infraSpec.hostname, 'web-1');
    assert.deepEqual([...(infraSpec.entrypoint ?? []), ...(infraSpec.cmd ?? [])], ['sleep', '2147483647']);
    const appSpec = rt.specOf(app.id);
    assert.equal(appSpec.networkMode, `container:${infra.id}`);
    assert.equal(appSpec.init, true);
    assert.deepEqual(appSpec.env, ['A=1']);
    assert.equal(appSpec.nanoCpus, 500_000_000);
    assert.equal(appSpec.memoryBytes, 64 * 1024 * 1024);
    assert.equal(app.labels[LABEL_RESTART_COUNT], '0');
    assert.equal(app.labels['skiff.io/pod-uid'], pod.metadata.uid);
    assert.equal(app.labels['skiff.io/container-name'], 'web');
    assert.equal(app.labels['skiff.io/managed'], 'true');

    const s = fresh(pod).status;
    assert.equal(s?.phase, 'Running');
    assert.equal(s?.podIP, infra.ipAddress);
    assert.equal(s?.hostIP, '127.0.0.2');
    assert.equal(s?.containerStatuses?.[0]?.containerID, `docker://${app.id}`);
    assert.ok(recorded.includes('Normal Started Started container web'));
  });

  it('writes status only when it changed', async () => {
    const pod = await create(makePod());
    await sync(pod);
    const statusWrites = () => api.writes().filter((c) => c.verb === 'updateStatus').length;
    const writes = statusWrites();
    await sync(pod);
    await sync(pod);
    assert.equal(statusWrites(), writes);
  });

  it('restarts a killed container at once, keeping the dead one as the previous instance', async () => {
    const pod = await create(makePod());
    await sync(pod);
    const first = running().find((c) => c.labels[LABEL_ROLE] === 'app');
    assert.ok(first);
    await rt.killContainer(first.id);
    await sync(pod);
    const app = running().find((c) => c.labels[LABEL_ROLE] === 'app');
    assert.ok(app && app.id !== first.id);
    assert.equal(app.labels[LABEL_RESTART_COUNT], '1');
    const cs = fresh(pod).status?.containerStatuses?.[0];
    assert.equal(cs?.restartCount, 1);
    assert.equal(cs?.lastState.terminated?.exitCode, 137);
    assert.ok(rt.all().some((c) => c.id === first.id), 'previous kept for logs --previous');
  });

  it('backs off a crashing container 10 s, then 20 s (CrashLoopBackOff), restarting when the window ends', async () => {
    const pod = await create(makePod({ containers: [{ name: 'crash', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo bye; exit 1'] }] }));
    const apps = () => rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app');
    await sync(pod);
    await tick();
    assert.equal(apps()[0]?.exitCode, 1);
    // First restart: immediate.
    const r1 = await sync(pod);
    assert.equal(r1.requeueAfterMs, undefined);
    assert.equal(apps().length, 2);
    await tick();
    // Second death: back off 10 s.
    const r2 = await sync(pod);
    assert.equal(apps().length, 2, 'no restart inside the window');
    assert.ok(r2.requeueAfterMs !== undefined && r2.requeueAfterMs >= 10_000 && r2.requeueAfterMs < 10_100);
    const cs = fresh(pod).status?.containerStatuses?.[0];
    assert.equal(cs?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.match(cs?.state.waiting?.message ?? '', /^back-off 10s restarting failed container=crash pod=web-1_default\(/);
    assert.equal(cs?.lastState.terminated?.exitCode, 1);
    assert.equal(fresh(pod).status?.phase, 'Running');
    clock.advance(10_000);
    await sync(pod);
    assert.equal(apps().filter((c) => c.labels[LABEL_RESTART_COUNT] === '2').length, 1, 'restarted after the window');
    assert.equal(apps().length, 2, 'one dead predecessor kept');
    await tick();
    const r3 = await sync(pod);
    assert.ok(r3.requeueAfterMs !== undefined && r3.requeueAfterMs >= 20_000 && r3.requeueAfterMs < 20_100);
  });

  it('reports ErrImageNeverPull for a missing image and never asks the engine to pull', async () => {
    let pulls = 0;
    rt.pullImage = async () => {
      pulls++;
    };
    const pod = await create(makePod({ containers: [{ name: 'app', image: 'example.com/missing:v9' }] }));
    await sync(pod);
    const s = fresh(pod).status;
    assert.equal(s?.phase, 'Pending');
    assert.deepEqual(s?.containerStatuses?.[0]?.state, {
      waiting: { reason: 'ErrImageNeverPull', message: 'Container image "example.com/missing:v9" is not present with pull policy of Never' },
    });
    assert.equal(pulls, 0);
    assert.equal(rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app').length, 0);
    // Once the image exists, the next sync starts it.
    rt.addImage('example.com/missing:v9');
    await sync(pod);
    assert.equal(fresh(pod).status?.phase, 'Running');
  });

  it('reports a failed pull once a registry is configured', async () => {
    syncer = newSyncer({ registry: '127.0.0.1:5999' });
    const pod = await create(makePod({ containers: [{ name: 'app', image: 'team/missing:v1' }] }));
    await sync(pod);
    const w = fresh(pod).status?.containerStatuses?.[0]?.state.waiting;
    assert.equal(w?.reason, 'ErrImagePull');
    assert.match(w?.message ?? '', /^Failed to pull image "127\.0\.0\.1:5999\/team\/missing:v1"/);
    await sync(pod);
    assert.equal(fresh(pod).status?.containerStatuses?.[0]?.state.waiting?.reason, 'ImagePullBackOff');
  });

  it('finishes a restartPolicy Never pod: Succeeded, sandbox stopped, nothing restarted', async () => {
    const pod = await create(makePod({ restartPolicy: 'Never', containers: [{ name: 'job', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo done'] }] }));
    await sync(pod);
    await tick();
    await sync(pod);
    assert.equal(fresh(pod).status?.phase, 'Succeeded');
    assert.equal(running().length, 0);
    await sync(pod);
    assert.equal(rt.all().length, 2, 'no new containers');
  });

  it('adopts running containers after a kubelet restart: touches nothing, writes nothing', async () => {
    const pod = await create(makePod());
    await sync(pod);
    const before = rt.all().map((c) => `${c.id}:${c.state}`);
    const writes = api.writes().length;
    const calls = { ...rt.calls };
    syncer = newSyncer(); // a restarted kubelet: empty memory
    await sync(pod);
    assert.deepEqual(rt.all().map((c) => `${c.id}:${c.state}`), before);
    assert.equal(api.writes().length, writes);
    for (const op of ['create', 'start', 'stop', 'remove']) assert.equal(rt.calls[op] ?? 0, calls[op] ?? 0, `no ${op}`);
  });

  it('terminates a deleted pod: stops and removes its containers, then deletes it for good', async () => {
    const pod = await create(makePod({ terminationGracePeriodSeconds: 5 }));
    await sync(pod);
    await api.delete('pods', 'default', 'web-1');
    assert.ok(fresh(pod).metadata.deletionTimestamp, 'graceful: still there');
    await sync(pod);
    assert.equal(rt.all().length, 0);
    assert.equal(api.peek('pods', 'default', 'web-1'), undefined);
  });

  it('removes the containers of pods the API no longer has, and of an older pod with the same name', async () => {
    // Each pod gets a new uid from the apiserver.
    const old = await create(makePod());
    await sync(old);
    assert.equal(rt.all().length, 2);
    // Deleted without grace (e.g. forced): gone from the API.
    await api.delete('pods', 'default', 'web-1', { gracePeriodSeconds: 0 });
    await sync('default/web-1');
    assert.equal(rt.all().length, 0);
    // Again, but a new pod of the same name appears before the kubelet notices.
    await create(makePod());
    await sync('default/web-1');
    await api.delete('pods', 'default', 'web-1', { gracePeriodSeconds: 0 });
    const next = await create(makePod());
    await sync(next);
    assert.deepEqual([...new Set(rt.all().map((c) => c.labels['skiff.io/pod-uid']))], [next.metadata.uid]);
    assert.equal(running().length, 2);
  });

  it('re-creates the sandbox when the infra container dies, restarting the app containers', async () => {
    const pod = await create(makePod());
    await sync(pod);
    const infra = running().find((c) => c.labels[LABEL_ROLE] === 'infra');
    assert.ok(infra);
    await rt.killContainer(infra.id);
    await sync(pod);
    const now = running();
    assert.equal(now.length, 2);
    assert.ok(!now.some((c) => c.id === infra.id));
    assert.equal(now.find((c) => c.labels[LABEL_ROLE] === 'infra')?.labels['skiff.io/attempt'], '1');
    assert.equal(fresh(pod).status?.containerStatuses?.[0]?.restartCount, 1);
  });

  it('makes the node network again when someone removed it', async () => {
    const pod = await create(makePod());
    await sync(pod);
    // Docker refuses to remove a network a running container is attached to: the sandbox dies first.
    const infra = running().find((c) => c.labels[LABEL_ROLE] === 'infra');
    await rt.killContainer(infra?.id ?? '');
    await rt.removeNetwork('skiff-node-a');
    await sync(pod);
    assert.equal(running().length, 2);
    assert.equal((await rt.listNetworks({ [LABEL_NODE]: NODE })).length, 1);
  });

  it('retries a status write that conflicts, with a fresh read', async () => {
    const pod = await create(makePod());
    api.failNext('updateStatus', errors.staleResourceVersion('pods', 'web-1'));
    await sync(pod);
    assert.equal(fresh(pod).status?.phase, 'Running');
  });

  it('fails the sync (to be retried) when the engine is down', async () => {
    const pod = await create(makePod());
    rt.setDown(new Error('connect ENOENT /var/run/docker.sock'));
    await assert.rejects(sync(pod), /ENOENT/);
  });
});
