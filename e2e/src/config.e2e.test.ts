// End-to-end: configuration (issue 4) on one real local cluster (`skiff up`, 2 nodes, real Docker
// containers): ConfigMaps and Secrets made with `skiff create`, Secrets encrypted at rest (read
// straight from the cluster's etcd with etcdctl), env and files from both in a pod (seen with
// `skiff exec`), a ConfigMap update reaching the mounted file, and a pod naming a ConfigMap that
// does not exist yet. The steps run in order on the shared cluster; the pod of the env/file steps
// lives across them.
//
// Run: node --test --test-concurrency=1 e2e/dist/config.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret } from '@skiff/api';
import { showRun, waitFor, type Cluster } from './harness.js';
import { applyFile, fixturePath } from './fixtures.js';
import { podRow, runningPod as runningPodIn } from './objects.js';
import { runCommand } from './run-cli.js';
import { clusterSuite } from './suite.js';
import { rowNamed } from './table.js';

const NS = 'default';
/** Distinctive, so finding it (or its base64) anywhere in etcd's bytes means it was stored readable. */
const PASSWORD = 'pw-e2e-Zq7xK4vR9';

const suite = clusterSuite({ prefix: 'e2e-config', nodes: 2 });
const c = (): Cluster => suite.cluster();
const step = suite.step;

// ---- helpers ----------------------------------------------------------------------------------

const applyFixture = (file: string): Promise<string> => applyFile(c(), fixturePath('self-healing', file));

/** `skiff exec POD -- CMD...` that must succeed: its stdout. */
async function execOut(pod: string, ...command: string[]): Promise<string> {
  const r = await c().skiff('exec', pod, '--', ...command);
  if (r.code !== 0) throw new Error(showRun(r));
  return r.stdout;
}

function envOf(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** The raw value etcd holds under `key` (etcdctl, API v3), '' when there is no such key. */
async function etcdValue(key: string): Promise<string> {
  const endpoint = c().state.etcd.clientUrl;
  const r = await runCommand(['etcdctl', '--endpoints', endpoint, 'get', key, '--print-value-only'], { env: { ETCDCTL_API: '3' }, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`etcdctl get ${key} at ${endpoint} → exit ${String(r.code)}\n${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}

async function etcdKeys(prefix: string): Promise<string[]> {
  const r = await runCommand(['etcdctl', '--endpoints', c().state.etcd.clientUrl, 'get', prefix, '--prefix', '--keys-only'], { env: { ETCDCTL_API: '3' }, timeoutMs: 20_000 });
  return r.stdout.split('\n').filter(Boolean);
}

const runningPod = (name: string, timeoutMs?: number): Promise<Pod> => runningPodIn(c(), name, timeoutMs === undefined ? {} : { timeoutMs });

// ---- the suite ---------------------------------------------------------------------------------

step('skiff create configmap / secret generic from literals; get lists them with their data counts', 60_000, async () => {
  const cl = c();
  const cm = await cl.skiff('create', 'configmap', 'e2e-cfg', '--from-literal=greeting=hello', '--from-literal=color=blue');
  assert.equal(cm.code, 0, showRun(cm));
  assert.match(cm.stdout, /configmap\/e2e-cfg created/, showRun(cm));
  const sec = await cl.skiff('create', 'secret', 'generic', 'e2e-sec', `--from-literal=password=${PASSWORD}`);
  assert.equal(sec.code, 0, showRun(sec));
  assert.match(sec.stdout, /secret\/e2e-sec created/, showRun(sec));

  const cms = await cl.skiff('get', 'configmaps');
  assert.equal(cms.code, 0, showRun(cms));
  assert.equal(rowNamed(cms.stdout, 'e2e-cfg')?.['DATA'], '2', cms.stdout);
  const secrets = await cl.skiff('get', 'secrets');
  assert.equal(secrets.code, 0, showRun(secrets));
  const row = rowNamed(secrets.stdout, 'e2e-sec');
  assert.equal(row?.['TYPE'], 'Opaque', secrets.stdout);
  assert.equal(row?.['DATA'], '1', secrets.stdout);

  const cmObj = await cl.client.get<ConfigMap>('configmaps', NS, 'e2e-cfg');
  assert.deepEqual(cmObj.data, { greeting: 'hello', color: 'blue' });
  const secObj = await cl.client.get<Secret>('secrets', NS, 'e2e-sec');
  assert.equal(secObj.data?.['password'], Buffer.from(PASSWORD).toString('base64'), 'the API returns the Secret decrypted, its data base64');
});

step('Secrets are encrypted at rest: etcd holds k8s:enc:aesgcm:v1:… and neither the value nor its base64', 60_000, async () => {
  // A control first: the ConfigMap (not encrypted) is readable in etcd, so the key scheme and the
  // etcdctl read are right and an absent plaintext below means something.
  const cmKey = `/registry/configmaps/${NS}/e2e-cfg`;
  const cmRaw = await etcdValue(cmKey);
  assert.ok(cmRaw.includes('hello'), `the ConfigMap is stored readable under ${cmKey}: ${JSON.stringify(cmRaw.slice(0, 200))} (keys: ${(await etcdKeys('/registry/configmaps/')).join(' ')})`);

  const key = `/registry/secrets/${NS}/e2e-sec`;
  const raw = await etcdValue(key);
  assert.notEqual(raw, '', `no value under ${key} (secrets in etcd: ${(await etcdKeys('/registry/secrets/')).join(' ')})`);
  assert.ok(raw.startsWith('k8s:enc:aesgcm:v1:'), `stored with the AES-GCM prefix: ${JSON.stringify(raw.slice(0, 60))}`);
  assert.ok(!raw.includes(PASSWORD), 'the plaintext value is not in etcd');
  assert.ok(!raw.includes(Buffer.from(PASSWORD).toString('base64')), 'the base64 value is not in etcd');
  assert.ok(!raw.includes('"password"'), 'not even the key name is readable');
});

step('a pod gets env and files from the ConfigMap and the Secret (skiff exec -- env / cat)', 120_000, async () => {
  await applyFixture('config-pod.yaml');
  await runningPod('e2e-config');
  const env = envOf(await execOut('e2e-config', 'env'));
  assert.equal(env.get('GREETING'), 'hello', 'configMapKeyRef');
  assert.equal(env.get('DB_PASSWORD'), PASSWORD, 'secretKeyRef');
  assert.equal(env.get('CFG_greeting'), 'hello', 'envFrom with prefix');
  assert.equal(env.get('CFG_color'), 'blue', 'envFrom with prefix');
  assert.equal(env.get('POD_NAME'), 'e2e-config', 'fieldRef metadata.name');

  assert.equal(await execOut('e2e-config', 'cat', '/etc/cfg/greeting'), 'hello');
  assert.equal(await execOut('e2e-config', 'cat', '/etc/cfg/color'), 'blue');
  assert.equal(await execOut('e2e-config', 'cat', '/etc/sec/password'), PASSWORD);
  assert.equal((await execOut('e2e-config', 'stat', '-L', '-c', '%a', '/etc/sec/password')).trim(), '400', 'defaultMode 0400');
  const write = await c().skiff('exec', 'e2e-config', '--', 'sh', '-c', 'echo x > /etc/sec/password');
  assert.notEqual(write.code, 0, `a read-only Secret mount:\n${showRun(write)}`);
});

step('updating the ConfigMap reaches the mounted file within 90 s; the environment keeps the old value', 150_000, async () => {
  assert.equal(await execOut('e2e-config', 'cat', '/etc/cfg/greeting'), 'hello', 'the step starts from the previous one');
  const out = await applyFixture('configmap-updated.yaml');
  assert.match(out, /configmap\/e2e-cfg (configured|created)/, out);
  assert.equal((await c().client.get<ConfigMap>('configmaps', NS, 'e2e-cfg')).data?.['greeting'], 'bonjour');
  await waitFor(async () => (await execOut('e2e-config', 'cat', '/etc/cfg/greeting')) === 'bonjour', {
    timeoutMs: 90_000,
    intervalMs: 2000,
    what: '/etc/cfg/greeting in e2e-config to read "bonjour"',
  });
  assert.equal(envOf(await execOut('e2e-config', 'env')).get('GREETING'), 'hello', 'env is read once, at container start');
});

step('a pod naming a missing ConfigMap shows CreateContainerConfigError with its name, and starts once it exists', 120_000, async () => {
  const cl = c();
  await applyFixture('missing-configmap-pod.yaml');
  await waitFor(
    async () => {
      const row = await podRow(cl, 'e2e-missing-cm');
      if (row?.['STATUS'] !== 'CreateContainerConfigError') throw new Error(JSON.stringify(row));
      return true;
    },
    { timeoutMs: 60_000, what: '`skiff get pods` to show e2e-missing-cm CreateContainerConfigError' },
  );
  const p = await cl.client.get<Pod>('pods', NS, 'e2e-missing-cm');
  const waiting = p.status?.containerStatuses?.[0]?.state.waiting;
  assert.equal(waiting?.reason, 'CreateContainerConfigError', JSON.stringify(p.status));
  assert.match(waiting?.message ?? '', /e2e-late-cm/, 'the message names the ConfigMap');
  const described = await cl.skiff('describe', 'pod', 'e2e-missing-cm');
  assert.match(described.stdout, /CreateContainerConfigError/, described.stdout);
  assert.match(described.stdout, /e2e-late-cm/, described.stdout);
  assert.equal((await cl.containers({ all: true, labels: { 'skiff.io/pod-name': 'e2e-missing-cm', 'skiff.io/role': 'app' } })).length, 0, 'no app container was made');

  await applyFixture('late-configmap.yaml');
  await runningPod('e2e-missing-cm', 90_000);
  assert.equal(envOf(await execOut('e2e-missing-cm', 'env')).get('SETTING'), 'arrived');
});

step('deleting the pods and config objects removes their containers', 90_000, async () => {
  const cl = c();
  for (const [kind, name] of [['pod', 'e2e-config'], ['pod', 'e2e-missing-cm'], ['configmap', 'e2e-cfg'], ['configmap', 'e2e-late-cm'], ['secret', 'e2e-sec']] as const) {
    const r = await cl.skiff('delete', kind, name);
    assert.equal(r.code, 0, showRun(r));
  }
  await waitFor(async () => (await cl.containers({ all: true, labels: { 'skiff.io/pod-namespace': NS } })).length === 0, {
    timeoutMs: 60_000,
    what: "the pods' containers removed",
  });
  assert.equal(await etcdValue(`/registry/secrets/${NS}/e2e-sec`), '', 'the Secret is gone from etcd');
});
