import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, nodeStatus, type Event, type KubeObject, type Lease, type Namespace, type Node, type Pod, type ReplicaSet, type ResourceInfo } from '@skiff/api';
import { TablePrinter, kindName, type TableOptions } from './table.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const info = (r: string): ResourceInfo => findResource(r) ?? assert.fail(r);
const plain: TableOptions = { wide: false, withNamespace: false, showLabels: false, withKind: false };

function render(resource: string, objs: KubeObject[], opts: Partial<TableOptions> = {}): string {
  const p = new TablePrinter({ ...plain, ...opts });
  const i = info(resource);
  return p.print([p.header(i), ...objs.map((o) => p.row(i, o, now))]);
}

const runningPod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-7xkq2', namespace: 'default', creationTimestamp: '2024-05-01T11:57:00Z', labels: { app: 'web', tier: 'fe' } },
  spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], nodeName: 'node-1' },
  status: {
    phase: 'Running',
    podIP: '10.88.1.5',
    containerStatuses: [{ name: 'web', state: { running: {} }, lastState: {}, ready: true, restartCount: 0, image: 'skiff/demo-web:v1', imageID: '' }],
  },
};

const pendingPod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'big', namespace: 'team-a', creationTimestamp: '2024-05-01T11:59:55Z' },
  spec: { containers: [{ name: 'main', image: 'skiff/busybox:latest' }] },
  status: { phase: 'Pending' },
};

test('pods: kubectl columns and alignment', () => {
  assert.equal(
    render('pods', [runningPod, pendingPod]),
    ['NAME        READY   STATUS    RESTARTS   AGE', 'web-7xkq2   1/1     Running   0          3m', 'big         0/1     Pending   0          5s', ''].join('\n'),
  );
});

test('pods -o wide adds IP, NODE, NOMINATED NODE and READINESS GATES with <none> for blanks', () => {
  const out = render('pods', [runningPod, pendingPod], { wide: true });
  const [header, first, second] = out.split('\n');
  assert.match(header ?? '', /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
  assert.match(first ?? '', /10\.88\.1\.5\s+node-1\s+<none>\s+<none>$/);
  assert.match(second ?? '', /Pending\s+0\s+5s\s+<none>\s+<none>\s+<none>\s+<none>$/);
});

test('-A puts NAMESPACE first; --show-labels adds LABELS last (sorted, <none> when empty)', () => {
  const out = render('pods', [runningPod, pendingPod], { withNamespace: true, showLabels: true });
  assert.equal(
    out,
    [
      'NAMESPACE   NAME        READY   STATUS    RESTARTS   AGE   LABELS',
      'default     web-7xkq2   1/1     Running   0          3m    app=web,tier=fe',
      'team-a      big         0/1     Pending   0          5s    <none>',
      '',
    ].join('\n'),
  );
});

test('cluster-scoped kinds get no NAMESPACE column even with -A', () => {
  const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', creationTimestamp: '2024-04-29T09:00:00Z' }, status: { phase: 'Active' } };
  assert.equal(render('namespaces', [ns], { withNamespace: true }), 'NAME      STATUS   AGE\ndefault   Active   2d3h\n');
});

test('several kinds: names carry kind.group/', () => {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } } },
    status: { replicas: 3, readyReplicas: 2 },
  };
  const p = new TablePrinter({ ...plain, withKind: true });
  assert.deepEqual(p.row(info('rs'), rs, now), ['replicaset.apps/web', '3', '3', '2', '60m']);
  assert.deepEqual(p.row(info('pods'), runningPod, now).slice(0, 1), ['pod/web-7xkq2']);
  assert.equal(kindName(info('leases')), 'lease.coordination.k8s.io');
});

test('replicasets -o wide: containers, images and the selector', () => {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:59:00Z' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { tier: 'fe', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
      template: { spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }, { name: 'side', image: 'skiff/busybox:latest' }] } },
    },
  };
  const p = new TablePrinter({ ...plain, wide: true });
  assert.deepEqual(p.header(info('rs')), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(p.row(info('rs'), rs, now), ['web', '2', '0', '0', '60s', 'web,side', 'skiff/demo-web:v1,skiff/busybox:latest', 'app=web,env in (dev,prod),tier=fe']);
});

test('nodes: Ready/NotReady/Unknown, SchedulingDisabled, roles, wide addresses', () => {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', creationTimestamp: '2024-05-01T11:00:00Z', labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.2' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: { kubeletVersion: 'v0.1.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'docker://20.10.24' },
    },
  };
  assert.equal(nodeStatus(node), 'Ready,SchedulingDisabled');
  assert.equal(nodeStatus({ ...node, spec: {}, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }), 'NotReady');
  assert.equal(nodeStatus({ ...node, spec: {}, status: {} }), 'Unknown');
  const p = new TablePrinter({ ...plain, wide: true });
  assert.deepEqual(p.row(info('nodes'), node, now), ['node-1', 'Ready,SchedulingDisabled', 'edge,worker', '60m', 'v0.1.0', '127.0.0.2', '<none>', 'Debian GNU/Linux 12', '6.1.0', 'docker://20.10.24']);
});

test('events: LAST SEEN, TYPE, REASON, OBJECT (kind/name), MESSAGE', () => {
  const ev: Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'big.17c', namespace: 'default', creationTimestamp: '2024-05-01T11:58:00Z' },
    involvedObject: { kind: 'Pod', name: 'big', namespace: 'default' },
    reason: 'FailedScheduling',
    message: '0/2 nodes are available: 2 Insufficient memory.  ',
    type: 'Warning',
    firstTimestamp: '2024-05-01T11:58:00Z',
    lastTimestamp: '2024-05-01T11:59:30Z',
    count: 3,
  };
  const p = new TablePrinter(plain);
  assert.deepEqual(p.header(info('events')), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
  assert.deepEqual(p.row(info('events'), ev, now), ['30s', 'Warning', 'FailedScheduling', 'pod/big', '0/2 nodes are available: 2 Insufficient memory.']);
});

test('leases: NAME, HOLDER, AGE', () => {
  const l: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { holderIdentity: 'node-1' } };
  assert.equal(render('leases', [l]), 'NAME     HOLDER   AGE\nnode-1   node-1   60s\n');
});

test('deployments: READY ready/desired, UP-TO-DATE, AVAILABLE; wide adds containers, images, selector', () => {
  const d: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'demo-web', image: 'skiff/demo-web:v2' }] } },
    },
    status: { replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4 },
  };
  assert.equal(render('deployments', [d]), ['NAME   READY   UP-TO-DATE   AVAILABLE   AGE', 'web    4/4     1            4           60m', ''].join('\n'));
  assert.match(render('deployments', [d], { wide: true }), /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR\nweb +4\/4 +1 +4 +60m +demo-web +skiff\/demo-web:v2 +app=web\n$/);
  const fresh: KubeObject = { ...d, status: undefined };
  assert.match(render('deployments', [fresh]), /\nweb +0\/4 +0 +0 +60m\n$/);
});
