import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event, Node, Pod, ReplicaSet } from '@skiff/api';
import { isEventFor } from './events.js';
import { smartLabel, describeGeneric } from './generic.js';
import { describeNode } from './node.js';
import { describePod, podQOS } from './pod.js';
import { rfc1123z } from './prefix-writer.js';
import { countPodPhases, describeReplicaSet } from './replicaset.js';

process.env['TZ'] = 'UTC';
const now = Date.parse('2024-05-01T12:00:00Z');

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-7xkq2',
    namespace: 'default',
    uid: 'pod-uid',
    creationTimestamp: '2024-05-01T11:57:00Z',
    labels: { app: 'web', tier: 'fe' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true }],
  },
  spec: {
    nodeName: 'node-1',
    containers: [
      {
        name: 'web',
        image: 'skiff/demo-web:v1',
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        env: [{ name: 'MODE', value: 'fast' }],
        resources: { limits: { memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } },
      },
    ],
  },
  status: {
    phase: 'Running',
    hostIP: '127.0.0.2',
    podIP: '10.88.1.5',
    startTime: '2024-05-01T11:57:01Z',
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ],
    containerStatuses: [
      {
        name: 'web',
        state: { running: { startedAt: '2024-05-01T11:57:03Z' } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image: 'skiff/demo-web:v1',
        imageID: 'sha256:abc',
        containerID: 'docker://123',
      },
    ],
  },
};

const events: Event[] = [
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e2', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-7xkq2', namespace: 'default', uid: 'pod-uid' },
    type: 'Normal',
    reason: 'Started',
    message: 'Started container web',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2024-05-01T11:57:03Z',
    lastTimestamp: '2024-05-01T11:57:03Z',
    count: 1,
  },
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'e1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-7xkq2', namespace: 'default', uid: 'pod-uid' },
    type: 'Normal',
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-7xkq2 to node-1',
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-05-01T11:57:00Z',
    lastTimestamp: '2024-05-01T11:57:00Z',
  },
];

test('RFC1123Z like Go, in local time', () => {
  assert.equal(rfc1123z('2024-05-01T11:57:01Z'), 'Wed, 01 May 2024 11:57:01 +0000');
});

test('describe pod: the sections kubectl prints, aligned, events oldest first', () => {
  const out = describePod(pod, events, now);
  const expected = [
    'Name:         web-7xkq2',
    'Namespace:    default',
    'Node:         node-1/127.0.0.2',
    'Start Time:   Wed, 01 May 2024 11:57:01 +0000',
    'Labels:       app=web',
    '              tier=fe',
    'Annotations:  <none>',
    'Status:       Running',
    'IP:           10.88.1.5',
    'IPs:',
    '  IP:           10.88.1.5',
    'Controlled By:  ReplicaSet/web',
    'Containers:',
    '  web:',
    '    Container ID:   docker://123',
    '    Image:          skiff/demo-web:v1',
    '    Image ID:       sha256:abc',
    '    Port:           8080/TCP',
    '    Host Port:      0/TCP',
    '    State:          Running',
    '      Started:      Wed, 01 May 2024 11:57:03 +0000',
    '    Ready:          True',
    '    Restart Count:  0',
    '    Limits:',
    '      memory:  64Mi',
    '    Requests:',
    '      cpu:     100m',
    '      memory:  32Mi',
    '    Environment:',
    '      MODE:  fast',
    '    Mounts:  <none>',
    'Conditions:',
    '  Type           Status',
    '  PodScheduled   True ',
    '  Ready          True ',
    'Volumes:         <none>',
    'QoS Class:       Burstable',
    'Node-Selectors:  <none>',
    'Tolerations:     <none>',
    'Events:',
    '  Type    Reason     Age   From               Message',
    '  ----    ------     ----  ----               -------',
    '  Normal  Scheduled  3m    default-scheduler  Successfully assigned default/web-7xkq2 to node-1',
    '  Normal  Started    2m57s  kubelet            Started container web',
    '',
  ];
  // The events block is one tabwriter block: recompute what its alignment must be.
  const lines = out.split('\n');
  assert.deepEqual(lines.slice(0, 39), expected.slice(0, 39));
  assert.equal(lines[39], 'Events:');
  assert.match(lines[40] ?? '', /^ {2}Type {4}Reason {5}Age {4}From {15}Message$/);
  assert.match(lines[42] ?? '', /^ {2}Normal {2}Scheduled {2}3m {5}default-scheduler {2}Successfully assigned default\/web-7xkq2 to node-1$/);
  assert.match(lines[43] ?? '', /^ {2}Normal {2}Started {4}2m57s {2}kubelet {12}Started container web$/);
});

test('describe pod: Terminating with its grace period, waiting reason and message, no events', () => {
  const p = structuredClone(pod);
  p.metadata.deletionTimestamp = '2024-05-01T11:59:50Z';
  p.metadata.deletionGracePeriodSeconds = 30;
  p.status!.containerStatuses![0]!.state = { waiting: { reason: 'ErrImageNeverPull', message: 'image "x" is not present' } };
  const out = describePod(p, [], now);
  assert.match(out, /^Status: +Terminating \(lasts 10s\)$/m);
  assert.match(out, /^Termination Grace Period: +30s$/m);
  assert.match(out, /^ {4}State: +Waiting\n {6}Reason: +ErrImageNeverPull\n {6}Message: +image "x" is not present$/m);
  assert.match(out, /\nEvents: +<none>\n$/);
});

test('QoS class: BestEffort, Burstable, Guaranteed', () => {
  const p = (resources: Pod['spec']['containers'][number]['resources']): Pod => ({ ...pod, status: {}, spec: { containers: [{ name: 'c', image: 'i', ...(resources ? { resources } : {}) }] } });
  assert.equal(podQOS(p(undefined)), 'BestEffort');
  assert.equal(podQOS(p({ requests: { cpu: '100m' } })), 'Burstable');
  assert.equal(podQOS(p({ limits: { cpu: '1', memory: '1Gi' } })), 'Guaranteed');
  assert.equal(podQOS(p({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } })), 'Guaranteed');
});

test('describe replicaset: replicas, pod phases of the pods it controls, template', () => {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default', uid: 'rs-uid', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1', ports: [{ containerPort: 8080 }] }] } },
    },
    status: { replicas: 3, readyReplicas: 3 },
  };
  const other: Pod = { ...pod, metadata: { ...pod.metadata, ownerReferences: [] } };
  const pending: Pod = { ...pod, status: { phase: 'Pending' } };
  const counts = countPodPhases([pod, pending, other], 'rs-uid');
  assert.deepEqual(counts, { running: 1, waiting: 1, succeeded: 0, failed: 0 });
  const out = describeReplicaSet(rs, counts, [], now);
  assert.equal(
    out,
    [
      'Name:         web',
      'Namespace:    default',
      'Selector:     app=web',
      'Labels:       app=web',
      'Annotations:  <none>',
      'Replicas:     3 current / 3 desired',
      'Pods Status:  1 Running / 1 Waiting / 0 Succeeded / 0 Failed',
      'Pod Template:',
      '  Labels:  app=web',
      '  Containers:',
      '   web:',
      '    Image:         skiff/demo-web:v1',
      '    Port:          8080/TCP',
      '    Host Port:     0/TCP',
      '    Environment:   <none>',
      '    Mounts:        <none>',
      '  Volumes:         <none>',
      '  Node-Selectors:  <none>',
      '  Tolerations:     <none>',
      'Events:  <none>',
      '',
    ].join('\n'),
  );
});

test('describe node: conditions table, addresses, capacity, pods with their share', () => {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2024-05-01T11:59:50Z', lastTransitionTime: '2024-05-01T11:00:05Z' }],
      addresses: [{ type: 'InternalIP', address: '127.0.0.2' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: { kubeletVersion: 'v0.1.0' },
    },
  };
  const out = describeNode(node, [pod], { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1' } }, [], now);
  assert.match(out, /^Taints: +dedicated=gpu:NoSchedule$/m);
  assert.match(out, /^Unschedulable: +false$/m);
  assert.match(out, /^ {2}HolderIdentity: +node-1$/m);
  assert.match(out, /^ {2}Type +Status +LastHeartbeatTime +LastTransitionTime +Reason +Message$/m);
  assert.match(out, /^ {2}Ready +True +Wed, 01 May 2024 11:59:50 \+0000 +Wed, 01 May 2024 11:00:05 \+0000 +KubeletReady +kubelet is posting ready status$/m);
  assert.match(out, /^ {2}InternalIP: +127\.0\.0\.2$/m);
  assert.match(out, /^Capacity:\n {2}cpu: +2\n {2}memory: +4Gi\n {2}pods: +110$/m);
  assert.match(out, /^Non-terminated Pods: +\(1 in total\)$/m);
  assert.match(out, /^ {2}default +web-7xkq2 +100m \(5%\) +0 \(0%\) +32Mi \(0%\) +64Mi \(1%\) +3m$/m);
  assert.match(out, /^ {2}cpu +100m \(5%\) +0 \(0%\)$/m);
});

test('events match their object by uid, or by kind, name and namespace', () => {
  const e = events[0]!;
  assert.ok(isEventFor(e, pod));
  assert.ok(!isEventFor(e, { ...pod, metadata: { ...pod.metadata, uid: 'other', name: 'other' } }));
  const byName: Event = { ...e, involvedObject: { kind: 'Node', name: 'node-1', uid: 'node-1' } };
  assert.ok(isEventFor(byName, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n-uid' } }));
  assert.ok(!isEventFor(byName, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'node-1', uid: 'p-uid', namespace: 'default' } }));
});

test('generic describe: smart labels, nested fields, sorted keys', () => {
  assert.equal(smartLabel('holderIdentity'), 'Holder Identity');
  assert.equal(smartLabel('apiVersion'), 'API Version');
  assert.equal(smartLabel('leaseDurationSeconds'), 'Lease Duration Seconds');
  assert.equal(smartLabel('k8s.io'), 'k8s.io');
  const out = describeGeneric({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n', namespace: 'kube-node-lease', uid: 'u' }, spec: { holderIdentity: 'n', leaseDurationSeconds: 40 } }, undefined, now);
  assert.equal(
    out,
    [
      'Name:         n',
      'Namespace:    kube-node-lease',
      'Labels:       <none>',
      'Annotations:  <none>',
      'API Version:  coordination.k8s.io/v1',
      'Kind:         Lease',
      'Metadata:',
      '  UID:  u',
      'Spec:',
      '  Holder Identity:         n',
      '  Lease Duration Seconds:  40',
      '',
    ].join('\n'),
  );
});
