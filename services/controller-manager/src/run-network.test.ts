// The whole controller-manager on the in-memory API with the networking controllers: a Service's
// Endpoints and EndpointSlices, a manual Endpoints mirrored, a node's pod CIDR, a LoadBalancer's
// status, and their work queues in /metrics.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import type { ControllerManagerConfig } from './run.js';
import { eventually } from './testing/eventually.js';
import { makeNode, makeService } from './testing/network-fixtures.js';
import { startComponent, type RunningComponent } from './testing/start-component.js';
import { withoutResources } from './testing/unserved-resources.js';

const start = (api: FakeApi, config: Partial<ControllerManagerConfig> = {}): Promise<RunningComponent> => startComponent(api, { leaderElect: false, ...config });

const managedSlices = (api: FakeApi, svc: string, manager: string): EndpointSlice[] =>
  api.all<EndpointSlice>('endpointslices', 'default').filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === svc && s.metadata.labels?.[LABEL_ENDPOINTSLICE_MANAGED_BY] === manager);

describe('controller-manager run(): networking controllers', () => {
  it('writes Endpoints, slices, mirrored slices, pod CIDRs and load-balancer status', async () => {
    const api = new FakeApi();
    const cm = await start(api, { network: { clusterCidr: '10.123.0.0/16', nodeCidrMaskSize: 24 } });
    try {
      const { status, ...node } = makeNode('n1', { ip: '127.0.0.5' });
      await api.create<Node>('nodes', { ...node, metadata: { name: 'n1' } });
      const created = api.peek<Node>('nodes', '', 'n1');
      await api.updateStatus('nodes', { ...created, status } as Node);
      await eventually(() => api.peek<Node>('nodes', '', 'n1')?.spec?.podCIDR === '10.123.0.0/24', 'the pod CIDR');

      const { metadata: _m, ...svc } = makeService('web', { type: 'LoadBalancer' });
      await api.create<Service>('services', { ...svc, metadata: { name: 'web', namespace: 'default' } });
      const pod = await api.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
      await api.updateStatus('pods', { ...pod, status: { phase: 'Running', podIP: '10.123.0.2', podIPs: [{ ip: '10.123.0.2' }], conditions: [{ type: 'Ready', status: 'True' }] } });
      await eventually(() => api.peek<Endpoints>('endpoints', 'default', 'web')?.subsets?.[0]?.addresses?.[0]?.ip === '10.123.0.2', 'the Endpoints');
      await eventually(() => managedSlices(api, 'web', 'endpointslice-controller.k8s.io')[0]?.endpoints[0]?.conditions?.ready === true, 'the slice');
      await eventually(() => api.peek<Service>('services', 'default', 'web')?.status?.loadBalancer?.ingress?.[0]?.ip === '127.0.0.5', 'the load-balancer status');

      const manual = makeService('ext');
      delete manual.spec.selector;
      await api.create<Service>('services', { ...manual, metadata: { name: 'ext', namespace: 'default' } });
      await api.create<Endpoints>('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.7' }], ports: [{ port: 9376 }] }] });
      await eventually(() => managedSlices(api, 'ext', 'endpointslicemirroring-controller.k8s.io')[0]?.endpoints[0]?.addresses[0] === '192.0.2.7', 'the mirrored slice');
      assert.equal(managedSlices(api, 'ext', 'endpointslice-controller.k8s.io').length, 0);

      const metrics = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
      for (const q of ['endpoint', 'endpoint_slice', 'endpoint_slice_mirroring', 'cidrallocator_node', 'service']) {
        assert.match(metrics, new RegExp(`workqueue_adds_total\\{name="${q}"\\} [1-9]`), q);
      }
    } finally {
      await cm.stop();
    }
  });

  it('starts none of them for an apiserver without Services, and no pod CIDRs with --allocate-node-cidrs=false', async () => {
    const api = new FakeApi();
    const noServices = withoutResources(api, ['services', 'endpoints', 'endpointslices']);
    const cm = await start(noServices, { controllers: '*', network: { allocateNodeCidrs: false } });
    try {
      await api.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
      const metrics = await eventually(async () => {
        const text = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
        return /workqueue_depth\{name="replicaset"\}/.test(text) ? text : undefined;
      }, 'the controllers running');
      for (const q of ['endpoint', 'endpoint_slice', 'endpoint_slice_mirroring', 'cidrallocator_node', 'service']) assert.doesNotMatch(metrics, new RegExp(`workqueue_depth\\{name="${q}"\\}`), q);
      assert.equal(api.peek<Node>('nodes', '', 'n1')?.spec?.podCIDR, undefined);
    } finally {
      await cm.stop();
    }
  });
});
