// The networking controllers in-process against the real apiserver on a real etcd: a node gets its
// pod CIDR; a Service's Endpoints and EndpointSlices follow its pods' readiness and deletion (pod
// status written through pods/status, as a kubelet would: no kubelet runs); a selector-less
// Service's manual Endpoints are mirrored; a LoadBalancer Service lists the Ready node's address;
// deleting the Service removes its Endpoints and slices.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { eventually } from './testing/eventually.js';
import { endpointConditions } from './testing/network-fixtures.js';
import { startTestCluster, type TestCluster } from './testing/test-cluster.js';

const TIMEOUT_MS = 20_000;
const NS = 'default';

describe('networking controllers against a real apiserver and etcd', () => {
  let cluster: TestCluster | undefined;
  let client: ApiClient;

  before(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    cluster.startControllerManager({ identity: 'network-integration-cm', network: { clusterCidr: '10.231.0.0/16', nodeCidrMaskSize: 24 } });
  });

  after(() => cluster?.stop());

  const slicesOf = async (svc: string, manager: string): Promise<EndpointSlice[]> =>
    (await client.list<EndpointSlice>('endpointslices', { namespace: NS, labelSelector: `${LABEL_SERVICE_NAME}=${svc},${LABEL_ENDPOINTSLICE_MANAGED_BY}=${manager}` })).items;
  const endpointsOf = (name: string): Promise<Endpoints | undefined> => client.get<Endpoints>('endpoints', NS, name).catch(() => undefined);
  const ips = (ep: Endpoints | undefined): { ready: string[]; notReady: string[] } => ({
    ready: (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: (ep?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
  });

  async function podStatus(name: string, ip: string, ready: boolean): Promise<void> {
    for (;;) {
      const pod = await client.get<Pod>('pods', NS, name);
      try {
        await client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
        return;
      } catch (e) {
        if (!(e instanceof Error && /modified/.test(e.message))) throw e;
      }
    }
  }

  it('keeps Endpoints, slices, pod CIDRs and load-balancer status in step', async () => {
    // A Ready node: the IPAM controller gives it a pod CIDR, the LB controller its address.
    await client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'net-n1' } });
    const node = await client.get<Node>('nodes', '', 'net-n1');
    await client.updateStatus('nodes', { ...node, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.0.77' }, { type: 'Hostname', address: 'net-n1' }] } });
    const withCidr = await eventually(async () => (await client.get<Node>('nodes', '', 'net-n1')).spec?.podCIDR, 'the pod CIDR', TIMEOUT_MS, 50);
    assert.equal(withCidr, '10.231.0.0/24');

    await client.create<Service>('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    for (const [name, port] of [['web-a', 8080], ['web-b', 8080], ['web-c', 9090]] as const) {
      await client.create<Pod>('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS, labels: { app: 'web' } },
        spec: { nodeName: 'net-n1', containers: [{ name: 'web', image: 'skiff/demo-web:v1', ports: [{ name: 'http', containerPort: port }] }] },
      });
    }
    await podStatus('web-a', '10.231.0.2', true);
    await podStatus('web-b', '10.231.0.3', false);
    await podStatus('web-c', '10.231.0.4', true);

    await eventually(async () => JSON.stringify(ips(await endpointsOf('web'))) === JSON.stringify({ ready: ['10.231.0.2', '10.231.0.4'], notReady: ['10.231.0.3'] }), 'the Endpoints', TIMEOUT_MS, 50);
    const ep = await endpointsOf('web');
    // Two port sets: the named targetPort resolved per pod.
    assert.deepEqual((ep?.subsets ?? []).map((s) => s.ports?.[0]?.port).sort(), [8080, 9090]);
    await eventually(async () => (await slicesOf('web', 'endpointslice-controller.k8s.io')).length === 2, 'one slice per port set', TIMEOUT_MS, 50);
    const slices = await slicesOf('web', 'endpointslice-controller.k8s.io');
    assert.deepEqual(endpointConditions(slices), {
      '10.231.0.2': { ready: true, serving: true, terminating: false },
      '10.231.0.3': { ready: false, serving: false, terminating: false },
      '10.231.0.4': { ready: true, serving: true, terminating: false },
    });
    for (const s of slices) assert.match(s.metadata.name ?? '', /^web-/);

    // Readiness flips.
    await podStatus('web-b', '10.231.0.3', true);
    await podStatus('web-a', '10.231.0.2', false);
    await eventually(async () => JSON.stringify(ips(await endpointsOf('web'))) === JSON.stringify({ ready: ['10.231.0.3', '10.231.0.4'], notReady: ['10.231.0.2'] }), 'readiness followed', TIMEOUT_MS, 50);

    // Deleting a pod on a node leaves it terminating: out of the Endpoints at once, terminating in its slice.
    await client.delete('pods', NS, 'web-b');
    await eventually(async () => JSON.stringify(ips(await endpointsOf('web'))) === JSON.stringify({ ready: ['10.231.0.4'], notReady: ['10.231.0.2'] }), 'the terminating pod left the Endpoints', TIMEOUT_MS, 50);
    await eventually(async () => endpointConditions(await slicesOf('web', 'endpointslice-controller.k8s.io'))['10.231.0.3']?.terminating === true, 'terminating in its slice', TIMEOUT_MS, 50);
    await client.delete('pods', NS, 'web-b', { gracePeriodSeconds: 0 });
    await eventually(async () => endpointConditions(await slicesOf('web', 'endpointslice-controller.k8s.io'))['10.231.0.3'] === undefined, 'gone from the slices', TIMEOUT_MS, 50);

    // A selector-less Service with manual Endpoints: mirrored.
    await client.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: NS }, spec: { ports: [{ port: 80, targetPort: 9376 }] } });
    await client.create<Endpoints>('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 9376 }] }] });
    await eventually(async () => (await slicesOf('ext', 'endpointslicemirroring-controller.k8s.io'))[0]?.endpoints[0]?.addresses[0] === '192.0.2.10', 'the mirrored slice', TIMEOUT_MS, 50);
    assert.equal((await endpointsOf('ext'))?.subsets?.[0]?.addresses?.[0]?.ip, '192.0.2.10');

    // A LoadBalancer Service: the Ready node's address.
    await client.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb', namespace: NS }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await eventually(async () => (await client.get<Service>('services', NS, 'lb')).status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.77', 'the load-balancer address', TIMEOUT_MS, 50);

    // The Service deleted: its Endpoints and slices go.
    await client.delete('services', NS, 'web');
    await eventually(async () => (await endpointsOf('web')) === undefined && (await slicesOf('web', 'endpointslice-controller.k8s.io')).length === 0, 'Endpoints and slices deleted', TIMEOUT_MS, 50);
  });
});
