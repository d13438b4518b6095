// A pod's /etc/resolv.conf and /etc/hosts: the files under the root dir, their mounts, and what a
// pod's containers get through the syncer (with the Service variables), on the fake runtime.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { objectKey, type Pod, type Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { fakeNodeSyncer } from '../testing/fake-node-syncer.js';
import { makePod } from '../testing/fixtures.js';
import { useTempDir } from '../testing/temp-dir.js';
import { ApiSourceReader } from '../config-sources/api-source-reader.js';
import { ContainerConfigurator, type ServiceLister } from './container-config.js';
import { podHostsFile } from './etc-hosts.js';
import { LABEL_ROLE } from './labels.js';
import { PodNetworkFiles } from './pod-network-files.js';

describe('pod network files', () => {
  const tmp = useTempDir('skiff-pod-files-');
  const files = (over: Partial<ConstructorParameters<typeof PodNetworkFiles>[0]> = {}) =>
    new PodNetworkFiles({ rootDir: tmp.dir(), clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '/node/resolv.conf', readHostFile: async () => 'nameserver 192.0.2.53\nsearch corp.example\n', ...over });

  it('writes resolv.conf and hosts under the pod dir and mounts them read-only; hosts gets the IP once known', async () => {
    const pod = makePod({ name: 'web-1', namespace: 'shop', uid: 'uid-1' });
    const container = pod.spec.containers[0] ?? { name: 'web', image: 'x' };
    let resolveIP: (ip: string) => void = () => {};
    const ip = new Promise<string>((r) => (resolveIP = r));
    const out = await files().mountsFor(pod, container, () => ip);
    const dir = path.join(tmp.dir(), 'pods', 'uid-1');
    assert.deepEqual(out.mounts, [
      { source: path.join(dir, 'resolv.conf'), target: '/etc/resolv.conf', readOnly: true },
      { source: path.join(dir, 'etc-hosts'), target: '/etc/hosts', readOnly: true },
    ]);
    assert.equal(await readFile(path.join(dir, 'resolv.conf'), 'utf8'), 'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n');
    assert.equal(await readFile(path.join(dir, 'etc-hosts'), 'utf8'), podHostsFile(pod, undefined, 'cluster.local'), 'exists before the container is created');
    resolveIP('10.244.1.7');
    await out.ready;
    const hosts = await readFile(path.join(dir, 'etc-hosts'), 'utf8');
    assert.match(hosts, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.match(hosts, /\n10\.244\.1\.7\tweb-1\n$/);
  });

  it('lets the containers of a pod be configured at the same time', async () => {
    const pod = makePod({ name: 'web-2', namespace: 'shop', uid: 'uid-3' });
    const f = files();
    for (let round = 0; round < 5; round++) {
      pod.spec.dnsConfig = { searches: [`round${round}.example`] };
      const outs = await Promise.all(['a', 'b', 'c', 'd'].map((name) => f.mountsFor(pod, { name, image: 'x' }, async () => '10.244.1.9')));
      await Promise.all(outs.map((o) => o.ready));
    }
    assert.match(await readFile(path.join(tmp.dir(), 'pods', 'uid-3', 'resolv.conf'), 'utf8'), /round4\.example/);
  });

  it('gives a subdomain pod its FQDN, keeps Docker\'s resolv.conf for Default, and leaves paths a volume mounts alone', async () => {
    const pod = makePod({ name: 'db-0', namespace: 'shop', uid: 'uid-2' });
    pod.spec.hostname = 'db-0';
    pod.spec.subdomain = 'db';
    assert.match(podHostsFile(pod, '10.244.1.8', 'cluster.local'), /\n10\.244\.1\.8\tdb-0\.db\.shop\.svc\.cluster\.local\tdb-0\n$/);
    pod.spec.dnsPolicy = 'Default';
    const container = { name: 'db', image: 'x', volumeMounts: [{ name: 'h', mountPath: '/etc/hosts' }] };
    const out = await files().mountsFor(pod, container, async () => '10.244.1.8');
    assert.deepEqual(out.mounts, []);
  });
});

describe('a pod\'s containers through the syncer', () => {
  function setup(services: ServiceLister, root: string) {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const api = new FakeApi();
    const events: string[] = [];
    const sink = { record: (_p: Readonly<Pod>, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) };
    const configurator = new ContainerConfigurator({
      runtime: rt,
      sources: new ApiSourceReader(api),
      hostIP: '127.0.0.2',
      allocatable: () => ({ cpu: '4', memory: '8Gi' }),
      events: sink,
      log: silentLogger(),
      services,
      networkFiles: new PodNetworkFiles({ rootDir: root, clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', resolvConf: '' }),
    });
    const syncer = fakeNodeSyncer({ runtime: rt, api, clock, events: sink, configurator });
    return { rt, api, events, syncer };
  }
  const tmp = useTempDir('skiff-pod-files-sync-');

  it('holds containers (CreateContainerConfigError) until the Services were listed, then gives them the variables and the files', async () => {
    let synced = false;
    const web: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.12', ports: [{ port: 80 }] } };
    const { rt, api, events, syncer } = setup({ hasSynced: () => synced, list: () => [web] }, tmp.dir());
    const pod = await api.create('pods', makePod({ name: 'client', containers: [{ name: 'c', image: 'skiff/busybox:latest', command: ['sleep', '3600'] }] }));
    const current = () => api.peek<Pod>('pods', 'default', 'client') as Pod;
    await syncer.sync(objectKey(pod), current());
    assert.deepEqual(current().status?.containerStatuses?.[0]?.state.waiting, {
      reason: 'CreateContainerConfigError',
      message: 'services have not yet been read at least once, cannot construct envvars',
    });
    assert.ok(events.includes('Warning Failed Error: services have not yet been read at least once, cannot construct envvars'));

    synced = true;
    await syncer.sync(objectKey(pod), current());
    assert.equal(current().status?.phase, 'Running');
    const app = rt.all().find((c) => c.labels[LABEL_ROLE] === 'app');
    const spec = rt.specOf(app?.id ?? '');
    assert.ok(spec.env?.includes('WEB_SERVICE_HOST=10.96.0.12'));
    assert.deepEqual(
      spec.mounts?.map((m) => m.target),
      ['/etc/resolv.conf', '/etc/hosts'],
    );
    const podIP = current().status?.podIP ?? '';
    assert.match(await readFile(spec.mounts?.[1]?.source ?? '', 'utf8'), new RegExp(`\n${podIP.replace(/\./g, '\\.')}\tclient\n$`));
  });
});
