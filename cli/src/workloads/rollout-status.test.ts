import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, DeploymentStatus, Pod } from '@skiff/api';
import { deployment } from './fixtures.js';
import { deploymentRolloutStatus, podWarning, RolloutError, withWarning } from './rollout-status.js';

function withStatus(status: DeploymentStatus, generation = 2): Deployment {
  const d = deployment('skiff/demo-web:v2', { replicas: 4, generation });
  d.status = status;
  return d;
}

test('a spec the controller has not observed yet', () => {
  assert.deepEqual(deploymentRolloutStatus(withStatus({ observedGeneration: 1, replicas: 4, updatedReplicas: 4, availableReplicas: 4 })), {
    message: 'Waiting for deployment spec update to be observed...\n',
    done: false,
  });
});

test('each phase of a rollout, in kubectl words', () => {
  const phases: [DeploymentStatus, string][] = [
    [{ observedGeneration: 2, replicas: 5, updatedReplicas: 1, availableReplicas: 4 }, 'Waiting for deployment "web" rollout to finish: 1 out of 4 new replicas have been updated...\n'],
    [{ observedGeneration: 2, replicas: 5, updatedReplicas: 4, availableReplicas: 4 }, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...\n'],
    [{ observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 3 }, 'Waiting for deployment "web" rollout to finish: 3 of 4 updated replicas are available...\n'],
  ];
  for (const [status, message] of phases) assert.deepEqual(deploymentRolloutStatus(withStatus(status)), { message, done: false });
  assert.deepEqual(deploymentRolloutStatus(withStatus({ observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 })), {
    message: 'deployment "web" successfully rolled out\n',
    done: true,
  });
});

test('an empty status counts as nothing updated yet', () => {
  assert.equal(deploymentRolloutStatus(withStatus({ observedGeneration: 2 })).message, 'Waiting for deployment "web" rollout to finish: 0 out of 4 new replicas have been updated...\n');
});

test('a Progressing condition with ProgressDeadlineExceeded fails the rollout', () => {
  const d = withStatus({
    observedGeneration: 2,
    replicas: 5,
    updatedReplicas: 1,
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
  });
  assert.throws(() => deploymentRolloutStatus(d), (e: unknown) => e instanceof RolloutError && e.message === 'deployment "web" exceeded its progress deadline');
  // Not yet observed: the condition may be stale, so kubectl keeps waiting.
  assert.equal(deploymentRolloutStatus({ ...d, status: { ...d.status, observedGeneration: 1 } }).done, false);
});

test('--revision pins the rollout to one revision', () => {
  const d = withStatus({ observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 });
  d.metadata.annotations = { 'deployment.kubernetes.io/revision': '3' };
  assert.equal(deploymentRolloutStatus(d, 3).done, true);
  assert.throws(() => deploymentRolloutStatus(d, 2), /desired revision \(2\) is different from the running revision \(3\)/);
});

test("a pod's waiting reason or unschedulable condition is appended as a warning", () => {
  const pod = (status: NonNullable<Pod['status']>): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] }, status });
  const missing = pod({ containerStatuses: [{ name: 'web', ready: false, restartCount: 0, image: 'x', imageID: '', lastState: {}, state: { waiting: { reason: 'ErrImageNeverPull', message: 'Container image "x" is not present with pull policy of Never' } } }] });
  const unschedulable = pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available' }] });
  const fine = pod({ containerStatuses: [{ name: 'web', ready: false, restartCount: 0, image: 'x', imageID: '', lastState: {}, state: { waiting: { reason: 'ContainerCreating' } } }] });
  assert.equal(podWarning([fine]), undefined);
  assert.equal(podWarning([fine, missing]), 'ErrImageNeverPull - Container image "x" is not present with pull policy of Never');
  assert.equal(podWarning([unschedulable]), '0/1 nodes are available');
  const waiting = { message: 'Waiting for deployment "web" rollout to finish: 0 of 4 updated replicas are available...\n', done: false };
  assert.equal(withWarning(waiting, 'ErrImagePull - boom').message, 'Waiting for deployment "web" rollout to finish: 0 of 4 updated replicas are available... (Warning: ErrImagePull - boom)\n');
  assert.equal(withWarning({ message: 'done\n', done: true }, 'x').message, 'done\n');
});
