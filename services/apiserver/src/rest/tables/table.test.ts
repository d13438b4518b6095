import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, type ContainerStatus, type Deployment, type KubeObject, type Pod, type ResourceInfo, type Service } from '@skiff/api';
import { tableConverter, tableWatchObject, toTable, type Table } from './table.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const info = (r: string): ResourceInfo => {
  const i = findResource(r);
  assert.ok(i, r);
  return i;
};
const header = (t: Table): string[] => t.columnDefinitions.map((c) => c.name);

function pod(name: string, status: Pod['status'], extra: Partial<Pod['metadata']> = {}, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: '2024-05-01T11:55:00Z', labels: { app: 'web' }, ...extra },
    spec: { containers: [{ name: 'c', image: 'skiff/busybox:latest' }], nodeName: 'node-1', ...spec },
    ...(status ? { status } : {}),
  };
}

function cs(state: ContainerStatus['state'], over: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name: 'c', state, lastState: {}, ready: false, restartCount: 0, image: 'img', imageID: '', ...over };
}

test('pods: kubectl columns, wide ones at priority 1', () => {
  const t = toTable(info('pods'), [], { includeObject: 'Metadata', now: NOW, listMeta: { resourceVersion: '12' } });
  assert.equal(t.kind, 'Table');
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '12' });
  assert.deepEqual(header(t), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(t.columnDefinitions.map((c) => c.priority), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.equal(t.columnDefinitions[0]?.format, 'name');
  for (const c of t.columnDefinitions) assert.ok(c.description.length > 0 && c.type === 'string', c.name);
});

test('pods: READY, STATUS and RESTARTS as kubectl computes them', () => {
  const running = pod('running', { phase: 'Running', podIP: '10.244.1.5', containerStatuses: [cs({ running: { startedAt: '2024-05-01T11:55:01Z' } }, { ready: true })] });
  const pending = pod('pending', { phase: 'Pending' }, {}, { nodeName: undefined as unknown as string });
  const creating = pod('creating', { phase: 'Pending', containerStatuses: [cs({ waiting: { reason: 'ContainerCreating' } })] });
  const crashing = pod('crashing', {
    phase: 'Running',
    containerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, { restartCount: 5, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: '2024-05-01T11:55:00Z' } } })],
  });
  const completed = pod('completed', { phase: 'Succeeded', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] });
  const terminating = pod('terminating', { phase: 'Running', containerStatuses: [cs({ running: {} }, { ready: true })] }, { deletionTimestamp: '2024-05-01T11:59:00Z' });
  const init = pod(
    'init',
    { phase: 'Pending', initContainerStatuses: [cs({ running: {} }, { name: 'setup' })], containerStatuses: [cs({ waiting: { reason: 'PodInitializing' } })] },
    {},
    { initContainers: [{ name: 'setup', image: 'skiff/busybox:latest' }] },
  );
  const t = toTable(info('pods'), [running, pending, creating, crashing, completed, terminating, init], { includeObject: 'Metadata', now: NOW });
  const cells = t.rows.map((r) => r.cells.slice(0, 5));
  assert.deepEqual(cells, [
    ['running', '1/1', 'Running', '0', '5m'],
    ['pending', '0/1', 'Pending', '0', '5m'],
    ['creating', '0/1', 'ContainerCreating', '0', '5m'],
    ['crashing', '0/1', 'CrashLoopBackOff', '5 (5m ago)', '5m'],
    ['completed', '0/1', 'Completed', '0', '5m'],
    ['terminating', '1/1', 'Terminating', '0', '5m'],
    ['init', '0/1', 'Init:0/1', '0', '5m'],
  ]);
  assert.deepEqual(t.rows[0]?.cells.slice(5), ['10.244.1.5', 'node-1', '<none>', '<none>']);
  assert.deepEqual(t.rows[1]?.cells.slice(5), ['<none>', '<none>', '<none>', '<none>']);
  // printPod marks finished pods' rows Completed.
  assert.deepEqual(t.rows[4]?.conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  assert.equal(t.rows[0]?.conditions, undefined);
});

test('includeObject: PartialObjectMetadata by default, the full object, or none', () => {
  const p = pod('p', { phase: 'Running' });
  const meta = toTable(info('pods'), [p], { includeObject: 'Metadata', now: NOW });
  assert.deepEqual(meta.rows[0]?.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  const full = toTable(info('pods'), [p], { includeObject: 'Object', now: NOW });
  assert.deepEqual(full.rows[0]?.object, p);
  const none = toTable(info('pods'), [p], { includeObject: 'None', now: NOW });
  assert.equal('object' in (none.rows[0] ?? {}), false);
  // A single object's Table carries its resourceVersion.
  assert.deepEqual(meta.metadata, { resourceVersion: '7' });
});

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP and PORT(S) as kubectl prints them', () => {
  const svc = (name: string, spec: Service['spec'], status?: Service['status']): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T10:00:00Z' },
    spec,
    ...(status ? { status } : {}),
  });
  const t = toTable(
    info('services'),
    [
      svc('web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } }),
      svc('np', { type: 'NodePort', clusterIP: '10.96.0.21', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }),
      svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.22', ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '127.0.0.2' }, { ip: '127.0.0.3' }] } }),
      svc('pending-lb', { type: 'LoadBalancer', clusterIP: '10.96.0.23', ports: [{ port: 80, protocol: 'TCP' }] }),
      svc('headless', { type: 'ClusterIP', clusterIP: 'None', ports: [] }),
      svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
    ],
    { includeObject: 'Metadata', now: NOW },
  );
  assert.deepEqual(header(t), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  assert.deepEqual(
    t.rows.map((r) => r.cells),
    [
      ['web', 'ClusterIP', '10.96.0.20', '<none>', '80/TCP', '120m', 'app=web'],
      ['np', 'NodePort', '10.96.0.21', '<none>', '80:30080/TCP,53/UDP', '120m', '<none>'],
      ['lb', 'LoadBalancer', '10.96.0.22', '127.0.0.2,127.0.0.3', '443:31443/TCP', '120m', '<none>'],
      ['pending-lb', 'LoadBalancer', '10.96.0.23', '<pending>', '80/TCP', '120m', '<none>'],
      ['headless', 'ClusterIP', 'None', '<none>', '<none>', '120m', '<none>'],
      ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '120m', '<none>'],
    ],
  );
});

test('deployments: READY ready/desired, integer UP-TO-DATE and AVAILABLE, wide CONTAINERS IMAGES SELECTOR', () => {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-04-29T09:00:00Z' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v2' }, { name: 'side', image: 'skiff/busybox:latest' }] } },
    },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  const t = toTable(info('deployments'), [d], { includeObject: 'Object', now: NOW });
  assert.deepEqual(header(t), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
  assert.deepEqual(t.columnDefinitions.map((c) => `${c.type}/${c.priority}`), ['string/0', 'string/0', 'integer/0', 'integer/0', 'string/0', 'string/1', 'string/1', 'string/1']);
  assert.deepEqual(t.rows[0]?.cells, ['web', '2/3', 3, 2, '2d3h', 'web,side', 'skiff/demo-web:v2,skiff/busybox:latest', 'app=web']);
});

test('AGE follows HumanDuration', () => {
  const at = (ts: string): string => String(toTable(info('configmaps'), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', creationTimestamp: ts } }], { includeObject: 'None', now: NOW }).rows[0]?.cells[2]);
  assert.equal(at('2024-05-01T11:59:30Z'), '30s');
  assert.equal(at('2024-05-01T11:57:00Z'), '3m');
  assert.equal(at('2024-05-01T11:54:30Z'), '5m30s');
  assert.equal(at('2024-05-01T11:00:00Z'), '60m');
  assert.equal(at('2024-05-01T06:30:00Z'), '5h30m');
  assert.equal(at('2024-04-28T09:00:00Z'), '3d3h');
  assert.equal(at('2024-03-01T12:00:00Z'), '61d');
});

test('kinds without their own columns get NAME and AGE; others their kubectl columns', () => {
  const any = { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', creationTimestamp: '2024-05-01T11:00:00Z' } } as KubeObject;
  const t = toTable({ resource: 'widgets', singular: 'widget', kind: 'Widget', group: 'example.io', version: 'v1', namespaced: true, shortNames: [] }, [any], { includeObject: 'Metadata', now: NOW });
  assert.deepEqual(header(t), ['Name', 'Age']);
  assert.deepEqual(t.rows[0]?.cells, ['w', '60m']);
  const expect: Record<string, string[]> = {
    replicasets: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'],
    nodes: ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    namespaces: ['Name', 'Status', 'Age'],
    events: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
    configmaps: ['Name', 'Data', 'Age'],
    secrets: ['Name', 'Type', 'Data', 'Age'],
    leases: ['Name', 'Holder', 'Age'],
    limitranges: ['Name', 'Created At'],
    resourcequotas: ['Name', 'Age', 'Request', 'Limit'],
    poddisruptionbudgets: ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'],
    endpoints: ['Name', 'Endpoints', 'Age'],
    endpointslices: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    ingresses: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    ingressclasses: ['Name', 'Controller', 'Parameters', 'Age'],
  };
  for (const [resource, cols] of Object.entries(expect)) assert.deepEqual(header(toTable(info(resource), [], { includeObject: 'None' })), cols, resource);
});

test('nodes: STATUS, ROLES and wide addresses', () => {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1', creationTimestamp: '2024-05-01T11:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.0.2' }, { type: 'Hostname', address: 'n1' }], nodeInfo: { kubeletVersion: 'v1.32.0-skiff' } },
  } as KubeObject;
  const t = toTable(info('nodes'), [node], { includeObject: 'Metadata', now: NOW });
  assert.deepEqual(t.rows[0]?.cells, ['n1', 'Ready,SchedulingDisabled', 'control-plane', '60m', 'v1.32.0-skiff', '127.0.0.2', '<none>', '<unknown>', '<unknown>', '<unknown>']);
});

test('watch events: one-row Tables, column definitions on the first only', () => {
  const p = pod('p', { phase: 'Running' });
  const first = tableWatchObject(info('pods'), 'ADDED', p, { includeObject: 'Object', first: true, now: NOW });
  const next = tableWatchObject(info('pods'), 'MODIFIED', p, { includeObject: 'Object', first: false, now: NOW });
  assert.equal(first.columnDefinitions.length, 9);
  assert.equal(first.rows.length, 1);
  assert.deepEqual(next.columnDefinitions, []);
  assert.deepEqual(next.rows[0]?.object, p);
  const bookmark = tableWatchObject(info('pods'), 'BOOKMARK', { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '99' } }, { includeObject: 'Metadata', first: false });
  assert.deepEqual(bookmark.rows, []);
  assert.deepEqual(bookmark.metadata, { resourceVersion: '99' });
});

test('tableConverter answers the REST server seam with the same Table', () => {
  const p = pod('p', { phase: 'Running' });
  const t = tableConverter([p], { info: info('pods'), includeObject: 'Metadata', listMeta: { resourceVersion: '5', continue: 'abc' }, noHeaders: true }) as Table;
  assert.deepEqual(t.metadata, { resourceVersion: '5', continue: 'abc' });
  assert.deepEqual(t.columnDefinitions, []);
  assert.equal(t.rows[0]?.cells[0], 'p');
});
