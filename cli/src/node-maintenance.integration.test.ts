// The node and configuration commands of the real `skiff` binary against an apiserver started in
// this process on a real etcd: cordon/uncordon, taint, drain through the real pods/eviction
// subresource (a PodDisruptionBudget holding it back, then letting it go), create configmap/secret
// and their `get` columns. No kubelet or controllers run: pods are placed on nodes by the test, the
// budget's status (the disruption controller's) is written by the test, and drains use
// --grace-period 0 so an evicted pod is gone at once, as if its kubelet had finished it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Node, Pod, PodDisruptionBudget } from '@skiff/api';
import { InProcessApi } from './testing/in-process-api.js';
import { parseTable, showRun } from './testing/run-skiff.js';

const NS = 'cli-maint';
const api = new InProcessApi();
const cli = api.cli;

async function node(name: string): Promise<void> {
  await api.client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: 'maint' } } });
}

async function pod(name: string, nodeName: string, owned = true): Promise<void> {
  await api.client.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels: { app: 'web' },
      ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-uid', controller: true }] } : {}),
    },
    spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], nodeName },
  });
}

async function podNames(): Promise<string[]> {
  return (await api.client.list<Pod>('pods', { namespace: NS })).items.map((p) => p.metadata.name ?? '').sort();
}

before(async () => {
  await api.start('skiff-cli-maint-');
  await api.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await node('maint-1');
  await node('maint-2');
});
after(() => api.stop());

test('cordon and uncordon: node/x cordoned, already cordoned, SchedulingDisabled in get nodes', async () => {
  assert.equal(await cli.ok('cordon', 'maint-1'), 'node/maint-1 cordoned\n');
  assert.equal(await cli.ok('cordon', 'maint-1'), 'node/maint-1 already cordoned\n');
  const rows = parseTable(await cli.ok('get', 'nodes'));
  assert.equal(rows.find((r) => r['NAME'] === 'maint-1')?.['STATUS'], 'Unknown,SchedulingDisabled');
  assert.equal(await cli.ok('uncordon', '-l', 'pool=maint'), 'node/maint-1 uncordoned\nnode/maint-2 already uncordoned\n');
  const missing = await cli.fails('cordon', 'nope');
  assert.equal(missing.stderr, 'Error from server (NotFound): nodes "nope" not found\n');
});

test('taint adds, refuses a bad effect or an overwrite without --overwrite, and removes', async () => {
  assert.equal(await cli.ok('taint', 'nodes', 'maint-2', 'dedicated=gpu:NoSchedule'), 'node/maint-2 tainted\n');
  const bad = await cli.fails('taint', 'nodes', 'maint-2', 'spot:NoSchdule');
  assert.equal(bad.stderr, "error: invalid taint effect: NoSchdule, unsupported taint effect\nSee 'skiff taint -h' for help and examples\n");
  const again = await cli.fails('taint', 'nodes', 'maint-2', 'dedicated=cpu:NoSchedule');
  assert.equal(again.stderr, 'error: node maint-2 already has dedicated taint(s) with same effect(s) and --overwrite is false\n');
  assert.equal(await cli.ok('taint', 'nodes', 'maint-2', 'dedicated=cpu:NoSchedule', '--overwrite'), 'node/maint-2 modified\n');
  assert.match(await cli.ok('describe', 'node', 'maint-2'), /^Taints: +dedicated=cpu:NoSchedule$/m);
  assert.equal(await cli.ok('taint', 'node/maint-2', 'dedicated-'), 'node/maint-2 untainted\n');
  assert.deepEqual((await api.client.get<Node>('nodes', '', 'maint-2')).spec?.taints ?? [], []);
});

test('drain refuses a pod no controller owns, then with --force evicts everything on the node', async () => {
  await pod('web-1', 'maint-1');
  await pod('bare', 'maint-1', false);
  await pod('web-2', 'maint-2');
  const refused = await cli.fails('-n', NS, 'drain', 'maint-1', '--grace-period', '0');
  assert.equal(refused.stdout, 'node/maint-1 cordoned\n');
  assert.equal(
    refused.stderr,
    'error: unable to drain node "maint-1", aborting command...\n\nThere are pending nodes to be drained:\n maint-1\n' +
      `error: cannot delete Pods that declare no controller (use --force to override): ${NS}/bare\n`,
  );
  assert.deepEqual(await podNames(), ['bare', 'web-1', 'web-2']);

  const r = await cli.run(['drain', 'maint-1', '--force', '--grace-period', '0']);
  assert.equal(r.code, 0, showRun(r));
  assert.equal(r.stderr, `Warning: deleting Pods that declare no controller: ${NS}/bare\n`);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'node/maint-1 already cordoned');
  assert.deepEqual(lines.slice(1, 3).sort(), [`evicting pod ${NS}/bare`, `evicting pod ${NS}/web-1`]);
  assert.deepEqual(lines.slice(3, 5).sort(), ['pod/bare evicted', 'pod/web-1 evicted']);
  assert.equal(lines[5], 'node/maint-1 drained');
  assert.deepEqual(await podNames(), ['web-2']);
});

test('drain retries while a PodDisruptionBudget refuses, and goes on once it allows', async () => {
  await cli.ok('uncordon', 'maint-1');
  await pod('web-3', 'maint-1');
  const created = await api.client.create<PodDisruptionBudget>('poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: NS },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
  });
  // What the disruption controller would report: 2 healthy pods, 2 needed, none to spare.
  const setAllowed = async (allowed: number): Promise<void> => {
    const cur = await api.client.get<PodDisruptionBudget>('poddisruptionbudgets', NS, 'web');
    await api.client.updateStatus('poddisruptionbudgets', {
      ...cur,
      status: { observedGeneration: created.metadata.generation ?? 1, currentHealthy: 2, desiredHealthy: 2 - allowed, disruptionsAllowed: allowed, expectedPods: 2 },
    });
  };
  await setAllowed(0);
  const running = await api.client.list<Pod>('pods', { namespace: NS });
  for (const p of running.items) await api.client.updateStatus('pods', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });

  const held = await cli.run(['-n', NS, 'drain', 'maint-1', '--grace-period', '0', '--timeout', '1s']);
  assert.equal(held.code, 1, showRun(held));
  assert.match(held.stderr, new RegExp(`^error when evicting pods/"web-3" -n "${NS}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.$`, 'm'));
  assert.match(held.stderr, new RegExp(`^error: error when evicting pods/"web-3" -n "${NS}": global timeout reached: 1s$`, 'm'));
  assert.deepEqual(await podNames(), ['web-2', 'web-3']);

  await setAllowed(1);
  const r = await cli.run(['drain', 'maint-1', '--grace-period', '0']);
  assert.equal(r.code, 0, showRun(r));
  assert.equal(r.stdout, `node/maint-1 already cordoned\nevicting pod ${NS}/web-3\npod/web-3 evicted\nnode/maint-1 drained\n`);
  assert.deepEqual(await podNames(), ['web-2']);
  const pdbRows = parseTable(await cli.ok('-n', NS, 'get', 'pdb'));
  assert.deepEqual(pdbRows[0], { NAME: 'web', 'MIN AVAILABLE': '2', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '0', AGE: pdbRows[0]?.['AGE'] ?? '' });
});

test('create configmap and secrets, then get them with their columns', async () => {
  assert.equal(await cli.ok('-n', NS, 'create', 'configmap', 'app', '--from-literal', 'mode=fast', '--from-literal', 'level=3'), 'configmap/app created\n');
  assert.equal(await cli.ok('-n', NS, 'create', 'secret', 'generic', 'db', '--from-literal', 'password=s3cr=t'), 'secret/db created\n');
  assert.equal(
    await cli.ok('-n', NS, 'create', 'secret', 'docker-registry', 'regcred', '--docker-server', 'registry.local:5000', '--docker-username', 'me', '--docker-password', 'pw'),
    'secret/regcred created\n',
  );
  const dup = await cli.fails('-n', NS, 'create', 'configmap', 'app', '--from-literal', 'a=b');
  assert.equal(dup.stderr, 'error: failed to create configmap: configmaps "app" already exists\n');

  const secret = await api.client.get<{ data?: Record<string, string>; type?: string } & Pod>('secrets', NS, 'db');
  assert.equal(Buffer.from(secret.data?.['password'] ?? '', 'base64').toString(), 's3cr=t');
  assert.equal(secret.type, 'Opaque');

  const cms = parseTable(await cli.ok('-n', NS, 'get', 'configmaps'));
  assert.deepEqual(cms.map((r) => [r['NAME'], r['DATA']]), [['app', '2']]);
  const secrets = parseTable(await cli.ok('-n', NS, 'get', 'secrets'));
  assert.deepEqual(
    secrets.map((r) => [r['NAME'], r['TYPE'], r['DATA']]),
    [
      ['db', 'Opaque', '1'],
      ['regcred', 'kubernetes.io/dockerconfigjson', '1'],
    ],
  );
});
