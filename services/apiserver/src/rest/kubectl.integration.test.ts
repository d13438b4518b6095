// The real kubectl (/usr/bin/kubectl, 1.32) against an in-process apiserver on real etcd, over
// HTTPS with the CA and token in a kubeconfig: the commands whose REST calls this layer serves
// (discovery, create, get, label, scale, delete, events). Skipped when kubectl is not installed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestEtcd, type TestEtcd } from '../storage/test-etcd.js';
import { startRestTestServer, TEST_TOKEN, type RestTestServer } from './testing/rest-test-server.js';
import { TEST_CA_CERT } from './testing/test-tls.js';

const KUBECTL = '/usr/bin/kubectl';
const skip = existsSync(KUBECTL) ? false : `${KUBECTL} is not installed (the e2e suite installs Debian's kubernetes-client)`;

let etcd: TestEtcd;
let s: RestTestServer;
let env: NodeJS.ProcessEnv;

function kubeconfig(port: number, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: skiff',
    '  cluster:',
    `    server: https://127.0.0.1:${port}`,
    `    certificate-authority-data: ${Buffer.from(TEST_CA_CERT).toString('base64')}`,
    'users:',
    '- name: admin',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: skiff',
    '  context: {cluster: skiff, user: admin}',
    'current-context: skiff',
    '',
  ].join('\n');
}

function kubectl(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, args, { env: opts.env ?? env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  if (skip) return;
  etcd = await startTestEtcd();
  s = await startRestTestServer({ config: { etcdServers: [etcd.endpoint] } });
  const home = path.join(s.dir, 'home');
  mkdirSync(home);
  writeFileSync(path.join(s.dir, 'kubeconfig'), kubeconfig(s.port, TEST_TOKEN));
  writeFileSync(path.join(s.dir, 'kubeconfig-bad'), kubeconfig(s.port, 'not-the-token'));
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: path.join(s.dir, 'kubeconfig') };
});

after(async () => {
  await s?.stop();
  await etcd?.stop();
});

test('kubectl lists namespaces and the API resources', { skip }, async () => {
  const ns = await ok(['get', 'ns']);
  for (const name of ['default', 'kube-system', 'kube-node-lease']) assert.match(ns, new RegExp(`^${name}\\s`, 'm'));
  const resources = await ok(['api-resources', '--no-headers']);
  assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(resources, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  const version = await ok(['version', '-o', 'json']);
  assert.equal((JSON.parse(version) as { serverVersion: { minor: string } }).serverVersion.minor, '32');
});

test('kubectl with a wrong token is refused', { skip }, async () => {
  const r = await kubectl(['get', 'pods'], { env: { ...env, KUBECONFIG: path.join(s.dir, 'kubeconfig-bad') } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Unauthorized/);
});

test('kubectl create -f, get -o json, label, delete a pod', { skip }, async () => {
  const manifest = path.join(s.dir, 'pod.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {app: x}\nspec:\n  containers:\n  - name: c\n    image: skiff/busybox:latest\n');
  assert.match(await ok(['create', '-f', manifest, '--validate=false']), /^pod\/x created$/m);
  const pod = JSON.parse(await ok(['get', 'pod', 'x', '-o', 'json'])) as { kind: string; metadata: { name: string; namespace: string } };
  assert.deepEqual([pod.kind, pod.metadata.name, pod.metadata.namespace], ['Pod', 'x', 'default']);
  assert.match(await ok(['label', 'pod', 'x', 'tier=web']), /^pod\/x labeled$/m);
  assert.equal(await ok(['get', 'pod', 'x', '-o', 'jsonpath={.metadata.labels.tier}']), 'web');
  assert.match(await ok(['get', 'pods', '-l', 'tier=web', '-o', 'name']), /^pod\/x$/m);
  assert.match(await ok(['delete', 'pod', 'x']), /^pod "x" deleted$/m);
  const gone = await kubectl(['get', 'pod', 'x']);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /NotFound|not found/);
});

test('kubectl scale and delete a deployment', { skip }, async () => {
  const manifest = path.join(s.dir, 'deploy.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] } } },
    }),
  );
  assert.match(await ok(['create', '-f', manifest, '--validate=false']), /^deployment\.apps\/web created$/m);
  assert.match(await ok(['scale', 'deploy', 'web', '--replicas=3']), /^deployment\.apps\/web scaled$/m);
  assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
  assert.match(await ok(['delete', 'deploy', 'web']), /^deployment\.apps "web" deleted$/m);
  assert.equal((await kubectl(['get', 'deploy', 'web'])).code, 1);
});

test('kubectl get events.v1.events.k8s.io -A and kubectl events', { skip }, async () => {
  const manifest = path.join(s.dir, 'event.json');
  writeFileSync(
    manifest,
    JSON.stringify({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      // A cluster-scoped object's events live in default, as the kubelet's Node events do.
      metadata: { name: 'kubectl-ev', namespace: 'default' },
      eventTime: '2024-05-01T10:00:00.000000Z',
      reportingController: 'skiff.io/kubectl-test',
      reportingInstance: 'kubectl-test-1',
      action: 'Testing',
      reason: 'KubectlTested',
      type: 'Warning',
      note: 'seen through events.k8s.io',
      regarding: { apiVersion: 'v1', kind: 'Node', name: 'node-ev' },
    }),
  );
  assert.match(await ok(['create', '-f', manifest, '--validate=false']), /^event\.events\.k8s\.io\/kubectl-ev created$/m);
  const table = await ok(['get', 'events.v1.events.k8s.io', '-A']);
  assert.match(table, /^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
  assert.match(table, /^default\s+\S+\s+Warning\s+KubectlTested\s+node\/node-ev\s+seen through events\.k8s\.io$/m);
  const one = JSON.parse(await ok(['get', 'events.v1.events.k8s.io', 'kubectl-ev', '-n', 'default', '-o', 'json'])) as Record<string, unknown>;
  assert.deepEqual([one['apiVersion'], one['note']], ['events.k8s.io/v1', 'seen through events.k8s.io']);
  // kubectl events reads core/v1 Events: the same stored event.
  const events = await ok(['events', '-A']);
  assert.match(events, /^default\s+\S+\s+Warning\s+KubectlTested\s+Node\/node-ev\s+seen through events\.k8s\.io$/m);
  assert.match(await ok(['events', '-n', 'default', '--for', 'node/node-ev', '--types', 'Warning']), /KubectlTested/);
  assert.match(await ok(['delete', 'events.v1.events.k8s.io', 'kubectl-ev', '-n', 'default']), /deleted/);
});
