import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Event } from '@skiff/api';
import { deployment, replicaSet } from '../workloads/fixtures.js';
import { describeDeployment, replicaSetsSummary } from './deployment.js';

process.env['TZ'] = 'UTC';
const now = Date.parse('2024-05-01T12:00:00Z');

const scaled = (message: string, at: string): Event => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: `e-${at}`, namespace: 'default' },
  involvedObject: { kind: 'Deployment', name: 'web', namespace: 'default', uid: 'deploy-uid' },
  type: 'Normal',
  reason: 'ScalingReplicaSet',
  message,
  source: { component: 'deployment-controller' },
  firstTimestamp: at,
  lastTimestamp: at,
  count: 1,
});

test("describe deployment: kubectl's sections and alignment", () => {
  const d = deployment('skiff/demo-web:v2', { annotations: { 'deployment.kubernetes.io/revision': '2' } });
  d.status = {
    observedGeneration: 1,
    replicas: 4,
    updatedReplicas: 4,
    readyReplicas: 4,
    availableReplicas: 4,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  };
  const oldRS = replicaSet('6846c969fd', 'skiff/demo-web:v1', 1);
  const newRS = replicaSet('5d9c7b4f8', 'skiff/demo-web:v2', 2, { replicas: 4 });
  const events = [scaled('Scaled up replica set web-5d9c7b4f8 to 1', '2024-05-01T11:58:00Z'), scaled('Scaled down replica set web-6846c969fd to 3 from 4', '2024-05-01T11:58:30Z')];
  const out = describeDeployment(d, [oldRS], newRS, events, now);
  assert.deepEqual(out.split('\n'), [
    'Name:                   web',
    'Namespace:              default',
    'CreationTimestamp:      Wed, 01 May 2024 11:00:00 +0000',
    'Labels:                 app=web',
    'Annotations:            deployment.kubernetes.io/revision: 2',
    'Selector:               app=web',
    'Replicas:               4 desired | 4 updated | 4 total | 4 available | 0 unavailable',
    'StrategyType:           RollingUpdate',
    'MinReadySeconds:        0',
    'RollingUpdateStrategy:  0 max unavailable, 1 max surge',
    'Pod Template:',
    '  Labels:  app=web',
    '  Containers:',
    '   web:',
    '    Image:         skiff/demo-web:v2',
    '    Port:          <none>',
    '    Host Port:     <none>',
    '    Environment:   <none>',
    '    Mounts:        <none>',
    '  Volumes:         <none>',
    '  Node-Selectors:  <none>',
    '  Tolerations:     <none>',
    'Conditions:',
    '  Type           Status  Reason',
    '  ----           ------  ------',
    '  Available      True    MinimumReplicasAvailable',
    '  Progressing    True    NewReplicaSetAvailable',
    'OldReplicaSets:  web-6846c969fd (0/0 replicas created)',
    'NewReplicaSet:   web-5d9c7b4f8 (4/4 replicas created)',
    'Events:',
    '  Type    Reason             Age   From                   Message',
    '  ----    ------             ----  ----                   -------',
    '  Normal  ScalingReplicaSet  2m    deployment-controller  Scaled up replica set web-5d9c7b4f8 to 1',
    '  Normal  ScalingReplicaSet  90s   deployment-controller  Scaled down replica set web-6846c969fd to 3 from 4',
    '',
  ]);
});

test('describe deployment: no ReplicaSets, no conditions, Recreate, no events', () => {
  const d = deployment('skiff/demo-web:v1');
  d.spec.strategy = { type: 'Recreate' };
  const out = describeDeployment(d, [], undefined, [], now);
  assert.match(out, /^StrategyType: +Recreate\nMinReadySeconds: +0\nPod Template:\n/m);
  assert.doesNotMatch(out, /RollingUpdateStrategy|Conditions|ReplicaSets?:/);
  assert.match(out, /^Replicas: +4 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
  assert.match(out, /\nEvents: +<none>\n$/);
  assert.equal(replicaSetsSummary([]), '<none>');
});
