// End-to-end (issue 6): the official JavaScript client, @kubernetes/client-node 1.4 (the line that
// runs on Node 20), against a real local cluster (`skiff up`, 2 nodes) through the kubeconfig
// `skiff up` wrote: typed list/read/create/replace/patch/delete with CoreV1Api and AppsV1Api, errors
// as ApiException with Kubernetes' codes, `Watch`, and an informer (makeInformer) that survives an
// apiserver restart by relisting after 410 Gone, with the cache right afterwards.
//
// Run: node --test --test-concurrency=1 e2e/dist/client-node.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
  type V1ConfigMap,
  type V1ConfigMapList,
  type V1Deployment,
  type V1Status,
} from '@kubernetes/client-node';
import { waitFor, type Cluster } from './harness.js';
import { clusterKubeconfig } from './kubectl.js';
import { clusterSuite } from './suite.js';

const suite = clusterSuite({ prefix: 'e2e-client-node', nodes: 2 });
const c = (): Cluster => suite.cluster();
const step = suite.step;
const NS = 'default';
const LABEL = 'suite=client-node';

let kcCache: KubeConfig | undefined;
function kc(): KubeConfig {
  if (!kcCache) {
    kcCache = new KubeConfig();
    kcCache.loadFromFile(clusterKubeconfig(c()));
  }
  return kcCache;
}
const core = (): CoreV1Api => kc().makeApiClient(CoreV1Api);
const apps = (): AppsV1Api => kc().makeApiClient(AppsV1Api);

function configMap(name: string, data: Record<string, string>): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { suite: 'client-node' } }, data };
}

/** The ApiException's HTTP code and Status body, from a call that must fail. */
async function apiError(p: Promise<unknown>): Promise<{ code: number; status: V1Status }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as V1Status) : (e.body as V1Status);
      return { code: e.code, status: body };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

step('typed CoreV1Api: list, read, create (and dryRun), replace with a stale resourceVersion, patch (JSON patch, merge patch), delete', 60_000, async () => {
  const nodes = await core().listNode();
  assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), [...c().nodes].sort());
  assert.ok(nodes.items.every((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')), 'nodes Ready');
  const namespaces = await core().listNamespace();
  for (const ns of ['default', 'kube-system', 'kube-node-lease']) assert.ok(namespaces.items.some((n) => n.metadata?.name === ns), ns);

  const created = await core().createNamespacedConfigMap({ namespace: NS, body: configMap('cn-one', { color: 'blue' }) });
  assert.equal(created.metadata?.name, 'cn-one');
  assert.ok(created.metadata?.uid, 'a uid');
  assert.ok(created.metadata?.resourceVersion, 'a resourceVersion');

  const dup = await apiError(core().createNamespacedConfigMap({ namespace: NS, body: configMap('cn-one', { color: 'red' }) }));
  assert.equal(dup.code, 409);
  assert.equal(dup.status.reason, 'AlreadyExists');

  const dry = await core().createNamespacedConfigMap({ namespace: NS, body: configMap('cn-dry', { a: 'b' }), dryRun: 'All' });
  assert.equal(dry.metadata?.name, 'cn-dry');
  const dryGone = await apiError(core().readNamespacedConfigMap({ name: 'cn-dry', namespace: NS }));
  assert.equal(dryGone.code, 404, 'dryRun=All stores nothing');

  const read = await core().readNamespacedConfigMap({ name: 'cn-one', namespace: NS });
  assert.deepEqual(read.data, { color: 'blue' });

  // JSON patch is client-node's default patch type.
  const jsonPatched = await core().patchNamespacedConfigMap({ name: 'cn-one', namespace: NS, body: [{ op: 'add', path: '/data/size', value: 'large' }] });
  assert.deepEqual(jsonPatched.data, { color: 'blue', size: 'large' });
  const merged = await core().patchNamespacedConfigMap(
    { name: 'cn-one', namespace: NS, body: { data: { color: 'green', size: null } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  assert.deepEqual(merged.data, { color: 'green' });
  const smp = await core().patchNamespacedConfigMap(
    { name: 'cn-one', namespace: NS, body: { metadata: { labels: { extra: 'yes' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  assert.deepEqual(smp.metadata?.labels, { suite: 'client-node', extra: 'yes' });

  const stale = { ...read, data: { color: 'stale' } };
  const conflict = await apiError(core().replaceNamespacedConfigMap({ name: 'cn-one', namespace: NS, body: stale }));
  assert.equal(conflict.code, 409);
  assert.equal(conflict.status.reason, 'Conflict');
  const fresh = await core().readNamespacedConfigMap({ name: 'cn-one', namespace: NS });
  const replaced = await core().replaceNamespacedConfigMap({ name: 'cn-one', namespace: NS, body: { ...fresh, data: { color: 'replaced' } } });
  assert.deepEqual(replaced.data, { color: 'replaced' });

  const listed = await core().listNamespacedConfigMap({ namespace: NS, labelSelector: LABEL });
  assert.deepEqual(listed.items.map((x) => x.metadata?.name), ['cn-one']);
  assert.ok(listed.metadata?.resourceVersion, 'the list carries a resourceVersion');
  const byField = await core().listNamespacedConfigMap({ namespace: NS, fieldSelector: 'metadata.name=cn-one' });
  assert.deepEqual(byField.items.map((x) => x.metadata?.name), ['cn-one']);

  await core().deleteNamespacedConfigMap({ name: 'cn-one', namespace: NS });
  const gone = await apiError(core().readNamespacedConfigMap({ name: 'cn-one', namespace: NS }));
  assert.equal(gone.code, 404);
  assert.equal(gone.status.reason, 'NotFound');
  assert.equal(gone.status.details?.name, 'cn-one');
});

step('typed AppsV1Api: create a Deployment, read and patch its scale, list its ReplicaSet, delete with Foreground propagation', 120_000, async () => {
  const body: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cn-sleeper', labels: { suite: 'client-node' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'cn-sleeper' } },
      template: {
        metadata: { labels: { app: 'cn-sleeper' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'skiff/busybox:latest', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] }],
        },
      },
    },
  };
  const d = await apps().createNamespacedDeployment({ namespace: NS, body });
  assert.equal(d.metadata?.name, 'cn-sleeper');
  await waitFor(async () => (await apps().readNamespacedDeployment({ name: 'cn-sleeper', namespace: NS })).status?.availableReplicas === 1, {
    timeoutMs: 60_000,
    what: 'cn-sleeper 1 available',
  });
  const scale = await apps().readNamespacedDeploymentScale({ name: 'cn-sleeper', namespace: NS });
  assert.equal(scale.spec?.replicas, 1);
  assert.equal(scale.status?.selector, 'app=cn-sleeper');
  await apps().patchNamespacedDeploymentScale({ name: 'cn-sleeper', namespace: NS, body: { spec: { replicas: 2 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await waitFor(async () => (await apps().readNamespacedDeployment({ name: 'cn-sleeper', namespace: NS })).status?.availableReplicas === 2, {
    timeoutMs: 60_000,
    what: 'cn-sleeper 2 available after the scale patch',
  });
  const rs = await apps().listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=cn-sleeper' });
  assert.equal(rs.items.length, 1);
  assert.equal(rs.items[0]?.metadata?.ownerReferences?.[0]?.name, 'cn-sleeper');
  assert.equal(rs.items[0]?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
  const pods = await core().listNamespacedPod({ namespace: NS, labelSelector: 'app=cn-sleeper' });
  assert.equal(pods.items.length, 2);
  assert.ok(pods.items.every((p) => p.status?.phase === 'Running'), pods.items.map((p) => p.status?.phase).join(','));

  await apps().deleteNamespacedDeployment({ name: 'cn-sleeper', namespace: NS, body: { propagationPolicy: 'Foreground' } });
  await waitFor(
    async () => {
      const left = await core().listNamespacedPod({ namespace: NS, labelSelector: 'app=cn-sleeper' });
      const rsLeft = await apps().listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=cn-sleeper' });
      const dep = await apps().readNamespacedDeployment({ name: 'cn-sleeper', namespace: NS }).catch(() => undefined);
      return left.items.length === 0 && rsLeft.items.length === 0 && dep === undefined;
    },
    { timeoutMs: 60_000, what: 'the Deployment, its ReplicaSet and pods gone' },
  );
});

interface Seen {
  type: string;
  name: string;
  color: string | undefined;
}

step('Watch: ADDED, MODIFIED, DELETED in order from the list\'s resourceVersion', 60_000, async () => {
  const list = await core().listNamespacedConfigMap({ namespace: NS, labelSelector: LABEL });
  const events: Seen[] = [];
  let ended: unknown = 'open';
  const watch = new Watch(kc());
  const ctl = await watch.watch(
    `/api/v1/namespaces/${NS}/configmaps`,
    { resourceVersion: list.metadata?.resourceVersion, labelSelector: LABEL },
    (type: string, obj: V1ConfigMap) => events.push({ type, name: obj.metadata?.name ?? '', color: obj.data?.['color'] }),
    (err: unknown) => {
      ended = err;
    },
  );
  try {
    await core().createNamespacedConfigMap({ namespace: NS, body: configMap('cn-watched', { color: 'blue' }) });
    await core().patchNamespacedConfigMap({ name: 'cn-watched', namespace: NS, body: [{ op: 'replace', path: '/data/color', value: 'red' }] });
    await core().deleteNamespacedConfigMap({ name: 'cn-watched', namespace: NS });
    await waitFor(() => events.length >= 3, { timeoutMs: 10_000, what: `3 watch events (seen ${JSON.stringify(events)}; ended: ${String(ended)})` });
    assert.deepEqual(events, [
      { type: 'ADDED', name: 'cn-watched', color: 'blue' },
      { type: 'MODIFIED', name: 'cn-watched', color: 'red' },
      { type: 'DELETED', name: 'cn-watched', color: 'red' },
    ]);
  } finally {
    ctl.abort();
  }

});

step('informer: add/update/delete handlers; survives an apiserver restart by relisting after 410 (a Watch from resourceVersion 1 now gets 410), cache right afterwards', 120_000, async () => {
  let lists = 0;
  const listFn = async (): Promise<V1ConfigMapList> => {
    lists++;
    return core().listNamespacedConfigMap({ namespace: NS, labelSelector: LABEL });
  };
  const informer = makeInformer<V1ConfigMap>(kc(), `/api/v1/namespaces/${NS}/configmaps`, listFn, LABEL);
  const log: string[] = [];
  const errors: unknown[] = [];
  const name = (o: KubernetesObject): string => o.metadata?.name ?? '';
  informer.on('add', (o) => log.push(`add ${name(o)}`));
  informer.on('update', (o) => log.push(`update ${name(o)} ${(o as V1ConfigMap).data?.['color'] ?? ''}`));
  informer.on('delete', (o) => log.push(`delete ${name(o)}`));
  informer.on('error', (e) => errors.push(e));
  const cached = (): string[] => informer.list(NS).map(name).sort();
  try {
    await core().createNamespacedConfigMap({ namespace: NS, body: configMap('inf-a', { color: 'blue' }) });
    await informer.start();
    assert.equal(lists, 1);
    assert.deepEqual(cached(), ['inf-a']);
    await core().createNamespacedConfigMap({ namespace: NS, body: configMap('inf-b', { color: 'blue' }) });
    await core().patchNamespacedConfigMap({ name: 'inf-a', namespace: NS, body: [{ op: 'replace', path: '/data/color', value: 'green' }] });
    await waitFor(() => log.includes('add inf-b') && log.includes('update inf-a green'), { timeoutMs: 10_000, what: `add inf-b, update inf-a (log ${log.join('; ')})` });
    assert.deepEqual(cached(), ['inf-a', 'inf-b']);

    // Something else is written after the informer's last event, so its resourceVersion is older
    // than where the restarted apiserver's watch cache begins.
    await core().createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'inf-bump' }, stringData: { k: 'v' } } });
    await c().stopProcess('apiserver', 'SIGTERM');
    await waitFor(() => errors.length > 0, { timeoutMs: 30_000, what: 'the informer to report the lost connection' });
    await c().startProcessAgain('apiserver');
    await waitFor(async () => (await core().listNamespace()).items.length > 0, { timeoutMs: 30_000, what: 'the REST API back' });

    // Changes the informer cannot have seen: one deleted, one created, one updated.
    await core().deleteNamespacedConfigMap({ name: 'inf-b', namespace: NS });
    await core().createNamespacedConfigMap({ namespace: NS, body: configMap('inf-c', { color: 'blue' }) });
    await core().patchNamespacedConfigMap({ name: 'inf-a', namespace: NS, body: [{ op: 'replace', path: '/data/color', value: 'purple' }] });
    // A fresh apiserver's watch cache serves from revision 1 on; the restarted one began later, so
    // resourceVersion 1 is now too old: 410 Gone.
    const gone: { type: string; code: number | undefined }[] = [];
    let doneErr: { statusCode?: number } | null | undefined;
    const old = await new Watch(kc()).watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: '1' },
      (type: string, obj: V1Status) => gone.push({ type, code: obj.code }),
      (err: { statusCode?: number } | null) => {
        doneErr = err;
      },
    );
    try {
      await waitFor(() => doneErr !== undefined || gone.length > 0, { timeoutMs: 10_000, what: 'an answer to a watch from resourceVersion 1' });
      const got410 = gone.some((e) => e.type === 'ERROR' && e.code === 410) || doneErr?.statusCode === 410;
      assert.ok(got410, `expected 410 Gone (an ERROR event or the status); events ${JSON.stringify(gone)}, done ${JSON.stringify(doneErr)}`);
    } finally {
      old.abort();
    }

    log.length = 0;
    // client-node's documented recovery: start again after an error. It watches from its last
    // resourceVersion, which the restarted apiserver no longer serves: 410, and only then a relist.
    await informer.start();
    await waitFor(() => cached().join(',') === 'inf-a,inf-c' && lists === 2, {
      timeoutMs: 20_000,
      what: `the informer to relist after 410 (lists ${lists}, cache ${cached().join(',')}, log ${log.join('; ')})`,
    });
    assert.ok(log.includes('delete inf-b'), `delete handler for what vanished: ${log.join('; ')}`);
    assert.ok(log.includes('add inf-c'), `add handler for what appeared: ${log.join('; ')}`);
    assert.ok(log.includes('update inf-a purple'), `update handler for what changed: ${log.join('; ')}`);
    assert.equal(informer.get('inf-a', NS)?.data?.['color'], 'purple');

    // And it keeps watching after the relist.
    await core().createNamespacedConfigMap({ namespace: NS, body: configMap('inf-d', { color: 'blue' }) });
    await waitFor(() => log.includes('add inf-d'), { timeoutMs: 10_000, what: `add inf-d after the relist (log ${log.join('; ')})` });
    assert.equal(lists, 2, 'no further relist');
  } finally {
    await informer.stop();
    for (const n of ['inf-a', 'inf-b', 'inf-c', 'inf-d']) await core().deleteNamespacedConfigMap({ name: n, namespace: NS }).catch(() => undefined);
    await core().deleteNamespacedSecret({ name: 'inf-bump', namespace: NS }).catch(() => undefined);
  }
});
