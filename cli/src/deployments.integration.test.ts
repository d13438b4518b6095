// The Deployment commands of the real `skiff` binary against an apiserver started in this process
// on a real etcd: create namespace/deployment, the current namespace in the client config, get and
// describe deployments, scale (through the scale subresource), set image, rollout
// history/undo/pause/resume/restart/status, label, annotate and delete --cascade. No controllers
// run here: the ReplicaSets a Deployment controller would make, and the status it would report,
// are written by the test with the client, so every command meets the objects it reads in real use.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Deployment, DeploymentStatus, ReplicaSet } from '@skiff/api';
import { InProcessApi } from './testing/in-process-api.js';
import { parseTable, showRun } from './testing/run-skiff.js';

const NS = 'cli-deploy';

const api = new InProcessApi();
const cli = api.cli;

const getDeploy = (name = 'web'): Promise<Deployment> => api.client.get<Deployment>('deployments', NS, name);

/** Writes the status the Deployment controller would report (for the current generation; available pods are ready). */
async function setStatus(status: DeploymentStatus, name = 'web'): Promise<void> {
  const d = await getDeploy(name);
  await api.client.updateStatus('deployments', { ...d, status: { observedGeneration: d.metadata.generation ?? 1, readyReplicas: status.availableReplicas ?? 0, ...status } });
}

/** A ReplicaSet as the Deployment controller makes it: the Deployment's template with a hash label. */
function controllerReplicaSet(d: Deployment, hash: string, image: string, revision: number, changeCause?: string): ReplicaSet {
  const template = structuredClone(d.spec.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'pod-template-hash': hash } };
  const first = template.spec.containers[0];
  if (first) first.image = image;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: NS,
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template },
  };
}

before(() => api.start('skiff-cli-deploy-'));
after(() => api.stop());

test('create namespace, then make it the current namespace in the client config', async () => {
  assert.equal(await cli.ok('create', 'namespace', NS), `namespace/${NS} created\n`);
  const again = await cli.fails('create', 'namespace', NS);
  assert.equal(again.stderr, `Error from server (AlreadyExists): namespaces "${NS}" already exists\n`);

  assert.equal(await cli.ok('config', 'current-namespace'), 'default\n');
  assert.match(await cli.ok('config', 'set-context', '--current', '--namespace', NS), /namespace "cli-deploy"/);
  const config = JSON.parse(fs.readFileSync(path.join(api.home, 'config.json'), 'utf8')) as { namespace?: string };
  assert.equal(config.namespace, NS);
  assert.equal(await cli.ok('config', 'current-namespace'), `${NS}\n`);
  assert.match(await cli.ok('config', 'view'), new RegExp(`^namespace: ${NS}\\nserver: `));
  // -n still overrides the config.
  assert.equal(await cli.ok('config', 'current-namespace', '-n', 'other'), 'other\n');
});

test("create deployment: kubectl's generated object in the current namespace, with the server's defaults", async () => {
  assert.equal(await cli.ok('create', 'deployment', 'web', '--image', 'skiff/demo-web:v1', '--replicas', '2', '--port', '8080'), 'deployment.apps/web created\n');
  const d = await getDeploy();
  assert.deepEqual(d.metadata.labels, { app: 'web' });
  assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
  assert.equal(d.spec.replicas, 2);
  assert.equal(d.spec.template.spec.containers[0]?.name, 'demo-web');
  assert.deepEqual(d.spec.template.spec.containers[0]?.ports?.map((p) => p.containerPort), [8080]);
  assert.equal(d.spec.strategy?.type, 'RollingUpdate');
  assert.equal(d.spec.revisionHistoryLimit, 10);

  const bad = await cli.fails('create', 'deployment', 'web2', '--image', 'x', '--replicas', '-1');
  assert.match(bad.stderr, /^error: failed to create deployment: .*spec\.replicas/);
  await assert.rejects(getDeploy('web2'), /not found/);

  const rows = parseTable(await cli.ok('get', 'deployments'));
  assert.deepEqual(rows.map((r) => [r['NAME'], r['READY'], r['UP-TO-DATE'], r['AVAILABLE']]), [['web', '0/2', '0', '0']]);
  assert.match(await cli.ok('get', 'deploy', 'web', '-o', 'wide'), /\nweb +0\/2 +0 +0 +\S+ +demo-web +skiff\/demo-web:v1 +app=web\n$/);
});

test('scale: deployments and replicasets through the scale subresource; bad counts change nothing', async () => {
  assert.equal(await cli.ok('scale', 'deployment/web', '--replicas', '4'), 'deployment.apps/web scaled\n');
  assert.equal((await getDeploy()).spec.replicas, 4);

  const negative = await cli.fails('scale', 'deployment', 'web', '--replicas=-1');
  assert.equal(negative.stderr, 'error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n');
  const precondition = await cli.fails('scale', 'deployment/web', '--replicas', '3', '--current-replicas', '2');
  assert.equal(precondition.stderr, 'error: Expected replicas to be 2, was 4\n');
  assert.equal((await getDeploy()).spec.replicas, 4);

  const d = await getDeploy();
  const rs = controllerReplicaSet(d, 'solo', 'skiff/demo-web:v1', 1);
  rs.metadata.name = 'solo';
  delete rs.metadata.ownerReferences;
  rs.metadata.labels = { app: 'solo' };
  rs.spec.selector = { matchLabels: { app: 'solo' } };
  rs.spec.template.metadata = { labels: { app: 'solo' } };
  await api.client.create('replicasets', rs);
  assert.equal(await cli.ok('scale', 'rs/solo', '--replicas', '3'), 'replicaset.apps/solo scaled\n');
  assert.equal((await api.client.get<ReplicaSet>('replicasets', NS, 'solo')).spec.replicas, 3);
  await api.client.delete('replicasets', NS, 'solo');
});

test('set image: the named container gets the image; an unknown container is named and nothing changes', async () => {
  const before = await getDeploy();
  assert.equal(await cli.ok('set', 'image', 'deployment/web', 'demo-web=skiff/demo-web:v2'), 'deployment.apps/web image updated\n');
  const after = await getDeploy();
  assert.equal(after.spec.template.spec.containers[0]?.image, 'skiff/demo-web:v2');
  assert.ok((after.metadata.generation ?? 0) > (before.metadata.generation ?? 0));

  const unknown = await cli.fails('set', 'image', 'deployment/web', 'nope=skiff/demo-web:v1');
  assert.equal(unknown.stderr, 'error: unable to find container named "nope"\n');
  assert.equal((await getDeploy()).metadata.resourceVersion, after.metadata.resourceVersion);
});

test('rollout history and undo over the ReplicaSets the controller made', async () => {
  const d = await getDeploy(); // at v2
  await api.client.create('replicasets', controllerReplicaSet(d, 'aaa', 'skiff/demo-web:v1', 1));
  await api.client.create('replicasets', controllerReplicaSet(d, 'bbb', 'skiff/demo-web:v2', 2, 'to v2'));

  assert.equal(await cli.ok('rollout', 'history', 'deployment/web'), 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         to v2\n\n');
  const one = await cli.ok('rollout', 'history', 'deployment/web', '--revision', '1');
  assert.match(one, /^deployment\.apps\/web with revision #1\nPod Template:\n {2}Labels: +app=web\n +pod-template-hash=aaa\n/);
  assert.match(one, /^ {4}Image: +skiff\/demo-web:v1$/m);
  assert.equal((await cli.fails('rollout', 'history', 'deployment/web', '--revision', '5')).stderr, 'error: unable to find the specified revision\n');

  const before = await getDeploy();
  assert.equal((await cli.fails('rollout', 'undo', 'deployment/web', '--to-revision', '7')).stderr, 'error: unable to find specified revision 7 in history\n');
  assert.equal((await getDeploy()).metadata.resourceVersion, before.metadata.resourceVersion, 'nothing changed');
  assert.equal(await cli.ok('rollout', 'undo', 'deployment/web', '--to-revision', '2'), 'deployment.apps/web skipped rollback (current template already matches revision 2)\n');

  assert.equal(await cli.ok('rollout', 'undo', 'deployment/web'), 'deployment.apps/web rolled back\n');
  const undone = await getDeploy();
  assert.equal(undone.spec.template.spec.containers[0]?.image, 'skiff/demo-web:v1');
  assert.deepEqual(undone.spec.template.metadata?.labels, { app: 'web' }, 'no pod-template-hash in the Deployment');
  assert.equal(undone.spec.replicas, 4);
});

test('describe deployment: replicas, strategy, conditions, old and new ReplicaSets', async () => {
  await setStatus({
    replicas: 4,
    updatedReplicas: 4,
    readyReplicas: 4,
    availableReplicas: 4,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
  });
  const out = await cli.ok('describe', 'deployment', 'web');
  assert.match(out, /^Name: +web\nNamespace: +cli-deploy\nCreationTimestamp: +\S/);
  assert.match(out, /^Replicas: +4 desired \| 4 updated \| 4 total \| 4 available \| 0 unavailable$/m);
  assert.match(out, /^StrategyType: +RollingUpdate$/m);
  assert.match(out, /^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/m);
  assert.match(out, /^ {2}Progressing +True +NewReplicaSetAvailable$/m);
  assert.match(out, /^OldReplicaSets: +web-bbb \(0\/0 replicas created\)$/m);
  assert.match(out, /^NewReplicaSet: +web-aaa \(0\/0 replicas created\)$/m);
  assert.match(out, /^Events: +<none>$/m);
});

test('pause, resume and restart; what a paused Deployment refuses', async () => {
  assert.equal(await cli.ok('rollout', 'pause', 'deployment/web'), 'deployment.apps/web paused\n');
  assert.equal((await getDeploy()).spec.paused, true);
  assert.equal((await cli.fails('rollout', 'pause', 'deployment/web')).stderr, 'error: deployments.apps "web" is already paused\n');
  assert.match((await cli.fails('rollout', 'undo', 'deployment/web')).stderr, /^error: you cannot rollback a paused deployment; resume it first/);
  assert.equal((await cli.fails('rollout', 'restart', 'deployment/web')).stderr, 'error: deployments.apps "web" can\'t restart paused deployment (run rollout resume first)\n');

  assert.equal(await cli.ok('rollout', 'resume', 'deployment/web'), 'deployment.apps/web resumed\n');
  assert.notEqual((await getDeploy()).spec.paused, true);
  assert.equal((await cli.fails('rollout', 'resume', 'deployment/web')).stderr, 'error: deployments.apps "web" is not paused\n');

  assert.equal(await cli.ok('rollout', 'restart', 'deployment/web'), 'deployment.apps/web restarted\n');
  const restartedAt = (await getDeploy()).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
  assert.ok(restartedAt && !Number.isNaN(Date.parse(restartedAt)), String(restartedAt));
});

test('annotate and label through merge patches, refusing silent overwrites', async () => {
  assert.equal(await cli.ok('annotate', 'deployment/web', 'kubernetes.io/change-cause=rolled back to v1'), 'deployment.apps/web annotated\n');
  assert.equal((await getDeploy()).metadata.annotations?.['kubernetes.io/change-cause'], 'rolled back to v1');

  assert.equal(await cli.ok('label', 'deployment', 'web', 'tier=fe'), 'deployment.apps/web labeled\n');
  assert.equal((await cli.fails('label', 'deployment/web', 'tier=be')).stderr, "error: 'tier' already has a value (fe), and --overwrite is false\n");
  assert.equal(await cli.ok('label', 'deployment/web', 'tier=be', '--overwrite'), 'deployment.apps/web labeled\n');
  assert.equal((await getDeploy()).metadata.labels?.['tier'], 'be');
  assert.equal(await cli.ok('label', 'deployment/web', 'tier-'), 'deployment.apps/web labeled\n');
  assert.equal((await getDeploy()).metadata.labels?.['tier'], undefined);
  assert.equal(await cli.ok('label', 'deployment/web', 'tier-'), 'label "tier" not found.\ndeployment.apps/web not labeled\n');
});

test('rollout status --watch=false prints the state once; a deadline exceeded or --timeout fails', async () => {
  // The restart changed the template: the controller has not observed it yet.
  assert.equal(await cli.ok('rollout', 'status', 'deployment/web', '--watch=false'), 'Waiting for deployment spec update to be observed...\n');
  await setStatus({ replicas: 5, updatedReplicas: 1, availableReplicas: 4 });
  assert.equal(await cli.ok('rollout', 'status', 'deploy/web', '-w', 'false'), 'Waiting for deployment "web" rollout to finish: 1 out of 4 new replicas have been updated...\n');

  const timedOut = await cli.fails('rollout', 'status', 'deployment/web', '--timeout', '1s');
  assert.equal(timedOut.stderr, 'error: timed out waiting for the condition\n');

  await setStatus({ replicas: 5, updatedReplicas: 1, availableReplicas: 4, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
  const deadline = await cli.fails('rollout', 'status', 'deployment/web');
  assert.equal(deadline.stderr, 'error: deployment "web" exceeded its progress deadline\n');
  assert.equal((await cli.fails('rollout', 'status', 'rs/web-aaa')).stderr, 'error: no status viewer has been implemented for ReplicaSet.apps\n');
});

test('rollout status follows the rollout live until it has rolled out', async () => {
  await setStatus({ replicas: 5, updatedReplicas: 1, availableReplicas: 4 });
  const child = cli.spawn(['rollout', 'status', 'deployment/web', '--timeout', '60s']);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = (): string[] => stdout.split('\n').filter((l) => l !== '');
  const waitForLines = async (n: number): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (lines().length < n) {
      if (Date.now() > deadline) assert.fail(`waited for ${n} lines; got:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await waitForLines(1);
    await setStatus({ replicas: 5, updatedReplicas: 4, availableReplicas: 4 });
    await waitForLines(2);
    await setStatus({ replicas: 4, updatedReplicas: 4, availableReplicas: 3 });
    await waitForLines(3);
    await setStatus({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 });
    assert.equal(await exited, 0, showRun({ code: null, stdout, stderr }));
  } finally {
    child.kill('SIGKILL');
  }
  assert.deepEqual(lines(), [
    'Waiting for deployment "web" rollout to finish: 1 out of 4 new replicas have been updated...',
    'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    'Waiting for deployment "web" rollout to finish: 3 of 4 updated replicas are available...',
    'deployment "web" successfully rolled out',
  ]);
});

test('delete --cascade passes the propagation policy', async () => {
  const bogus = await cli.fails('delete', 'deployment', 'web', '--cascade=sideways');
  assert.match(bogus.stderr, /^error: invalid cascade value \(sideways\)/);

  assert.equal(await cli.ok('delete', 'deployment', 'web', '--cascade=foreground', '--wait=false'), 'deployment.apps "web" deleted\n');
  const d = await getDeploy();
  assert.ok(d.metadata.deletionTimestamp);
  assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);

  const orphaned = await cli.run(['delete', 'rs', 'web-aaa', '--cascade=false', '--wait=false']);
  assert.equal(orphaned.code, 0, showRun(orphaned));
  assert.match(orphaned.stderr, /--cascade=false is deprecated \(boolean value\) and can be replaced with --cascade=orphan/);
  assert.deepEqual((await api.client.get<ReplicaSet>('replicasets', NS, 'web-aaa')).metadata.finalizers, ['orphan']);
});

test('a terminating namespace refuses new deployments', async () => {
  assert.equal(await cli.ok('create', 'namespace', 'doomed'), 'namespace/doomed created\n');
  assert.equal(await cli.ok('delete', 'namespace', 'doomed', '--wait=false'), 'namespace "doomed" deleted\n');
  assert.match(parseTable(await cli.ok('get', 'namespace', 'doomed'))[0]?.['STATUS'] ?? '', /^Terminating$/);
  const refused = await cli.fails('create', 'deployment', 'late', '--image', 'skiff/demo-web:v1', '-n', 'doomed');
  assert.match(refused.stderr, /^error: failed to create deployment: deployments\.apps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated\n$/);
});
