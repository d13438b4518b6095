// The one contract for the apiserver's API, run against FakeApi (fake-api.test.ts) and against
// ApiClient over gRPC to an in-process apiserver (services/apiserver/src/server/api-contract.test.ts).
// Whatever the fake promises is checked here against the real thing: when they differ, the real
// apiserver is right and the fake is fixed.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ApiError, findCondition, type KubeObject, type Lease, type Node, type Pod, type ReplicaSet, type WatchEvent } from '@skiff/api';
import type { ApiInterface, WatchOptions } from '../client.js';

export interface ApiUnderTest {
  api: ApiInterface;
  cleanup(): Promise<void>;
}

const IMAGE = 'skiff/busybox:latest';

function pod(name: string, o: { namespace?: string; labels?: Record<string, string>; nodeName?: string; finalizers?: string[] } = {}): Pod {
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: o.namespace ?? 'default' }, spec: { containers: [{ name: 'app', image: IMAGE }] } };
  if (o.labels) p.metadata.labels = o.labels;
  if (o.finalizers) p.metadata.finalizers = o.finalizers;
  if (o.nodeName) p.spec.nodeName = o.nodeName;
  return p;
}

function replicaSet(name: string, replicas = 1): ReplicaSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: IMAGE }] } } },
  };
}

const lease = (name: string): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'default' }, spec: { holderIdentity: 'a' } });
const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {} });

/** The reason of the ApiError `p` rejects with. */
async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `not an ApiError: ${String(e)}`);
    return e.reason;
  }
  return 'no error';
}

const rv = (obj: KubeObject): number => Number(obj.metadata.resourceVersion);
const keys = (items: KubeObject[]): string[] => items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`);

/** A watch read one event at a time, with a deadline instead of a hang. */
function watching(api: ApiInterface, resource: string, opts: WatchOptions) {
  const stream = api.watch(resource, opts);
  const it = stream[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<WatchEvent>> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no watch event within 5 s')), 5_000)));
    try {
      return await Promise.race([it.next(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    close: () => stream.close(),
    next,
    /** The next `n` events as "TYPE name". */
    async take(n: number): Promise<string[]> {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await next();
        if (r.done) throw new Error('the watch ended');
        out.push(`${r.value.type} ${r.value.object.metadata.name ?? ''}`);
      }
      return out;
    },
    async event(): Promise<WatchEvent> {
      const r = await next();
      if (r.done) throw new Error('the watch ended');
      return r.value;
    },
  };
}

export function apiContract(name: string, make: () => Promise<ApiUnderTest>): void {
  describe(`apiserver API contract: ${name}`, () => {
    let under: ApiUnderTest;
    let api: ApiInterface;
    const closers: (() => void)[] = [];
    const watch = (resource: string, opts: WatchOptions): ReturnType<typeof watching> => {
      const w = watching(api, resource, opts);
      closers.push(w.close);
      return w;
    };
    beforeEach(async () => {
      under = await make();
      api = under.api;
    });
    afterEach(async () => {
      for (const close of closers.splice(0)) close();
      await under.cleanup();
    });

    describe('create and get', () => {
      it('fills in uid, creationTimestamp, resourceVersion and generation; get returns the same', async () => {
        const created = await api.create('pods', pod('a'));
        assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
        assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.match(created.metadata.resourceVersion ?? '', /^[1-9]\d*$/);
        assert.equal(created.metadata.generation, 1);
        assert.deepEqual(await api.get('pods', 'default', 'a'), created);
        assert.equal((await api.create('leases', lease('l'))).metadata.generation, undefined, 'leases do not track generation');
      });

      it('replaces the uid a client sends, and resets the status of pods and ReplicaSets', async () => {
        const body = pod('a');
        body.metadata.uid = 'chosen-by-the-client';
        body.status = { phase: 'Running' };
        const created = await api.create('pods', body);
        assert.notEqual(created.metadata.uid, 'chosen-by-the-client');
        assert.equal(created.status?.phase, 'Pending');
        assert.equal(created.status?.qosClass, 'BestEffort');
        const rs = await api.create('replicasets', { ...replicaSet('web'), status: { replicas: 5 } });
        assert.deepEqual(rs.status, { replicas: 0 });
      });

      it('puts a namespaced object without a namespace in default, and a cluster-scoped one in none', async () => {
        const p = pod('a');
        delete p.metadata.namespace;
        assert.equal((await api.create('pods', p)).metadata.namespace, 'default');
        const n = await api.create('nodes', { ...node('n1'), metadata: { name: 'n1', namespace: 'default' } });
        assert.equal(n.metadata.namespace, undefined);
        assert.equal((await api.get<Node>('nodes', '', 'n1')).metadata.name, 'n1');
      });

      it('generates names from generateName', async () => {
        const body = pod('');
        body.metadata = { generateName: 'web-', namespace: 'default' };
        const [a, b] = [await api.create('pods', body), await api.create('pods', body)];
        assert.match(a.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
        assert.match(b.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
        assert.notEqual(a.metadata.name, b.metadata.name);
      });

      it('refuses a duplicate, a resourceVersion, a missing namespace and a missing name', async () => {
        await api.create('pods', pod('a'));
        assert.equal(await reason(api.create('pods', pod('a'))), 'AlreadyExists');
        assert.equal(await reason(api.create('pods', { ...pod('b'), metadata: { name: 'b', namespace: 'default', resourceVersion: '5' } })), 'BadRequest');
        assert.equal(await reason(api.create('pods', pod('c', { namespace: 'nowhere' }))), 'NotFound');
        assert.equal(await reason(api.create('pods', { ...pod('d'), metadata: { namespace: 'default' } })), 'Invalid');
      });

      it('answers NotFound for a missing object, whatever the verb, and for an unknown resource', async () => {
        const missing = pod('missing');
        assert.equal(await reason(api.get('pods', 'default', 'missing')), 'NotFound');
        assert.equal(await reason(api.update('pods', { ...missing, metadata: { ...missing.metadata, resourceVersion: '2' } })), 'NotFound');
        assert.equal(await reason(api.patch('pods', 'default', 'missing', { metadata: { labels: { a: 'b' } } })), 'NotFound');
        assert.equal(await reason(api.delete('pods', 'default', 'missing')), 'NotFound');
        assert.equal(await reason(api.bind('default', 'missing', 'n1')), 'NotFound');
        assert.equal(await reason(api.get('widgets', 'default', 'x')), 'NotFound');
      });

      it('numbers every write of every kind from one counter; a list reports the latest', async () => {
        const a = await api.create('pods', pod('a'));
        const l = await api.create('leases', lease('l'));
        const b = await api.patch('pods', 'default', 'a', { metadata: { labels: { x: 'y' } } });
        assert.ok(rv(a) < rv(l) && rv(l) < rv(b), `${rv(a)} < ${rv(l)} < ${rv(b)}`);
        const pods = await api.list('pods');
        assert.ok(Number(pods.metadata.resourceVersion) >= rv(b));
        assert.equal((await api.list('leases')).metadata.resourceVersion, pods.metadata.resourceVersion);
      });
    });

    describe('update and the status subresource', () => {
      it('is compare-and-swap on resourceVersion', async () => {
        const created = await api.create('replicasets', replicaSet('web'));
        const scaled = await api.update('replicasets', { ...created, spec: { ...created.spec, replicas: 3 } });
        assert.equal(scaled.spec.replicas, 3);
        assert.ok(rv(scaled) > rv(created));
        assert.equal(await reason(api.update('replicasets', { ...created, spec: { ...created.spec, replicas: 4 } })), 'Conflict');
        assert.equal((await api.get<ReplicaSet>('replicasets', 'default', 'web')).spec.replicas, 3);
      });

      it('an update without a resourceVersion replaces what is stored (unconditional update)', async () => {
        const created = await api.create('replicasets', replicaSet('web'));
        await api.update('replicasets', { ...created, spec: { ...created.spec, replicas: 3 } });
        const { resourceVersion: _, ...meta } = created.metadata;
        const replaced = await api.update<ReplicaSet>('replicasets', { ...created, metadata: meta, spec: { ...created.spec, replicas: 5 } });
        assert.equal(replaced.spec.replicas, 5);
        assert.equal((await api.get<ReplicaSet>('replicasets', 'default', 'web')).spec.replicas, 5);
      });

      it('update keeps status and server-set metadata; updateStatus changes only status; generation follows spec', async () => {
        const created = await api.create('replicasets', replicaSet('web'));
        const { uid: _, creationTimestamp: __, ...meta } = created.metadata;
        const updated = await api.update<ReplicaSet>('replicasets', { ...created, metadata: meta, spec: { ...created.spec, replicas: 2 }, status: { replicas: 7 } });
        assert.deepEqual(updated.status, { replicas: 0 });
        assert.equal(updated.metadata.uid, created.metadata.uid);
        assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
        assert.equal(updated.metadata.generation, 2);
        const relabelled = await api.update('replicasets', { ...updated, metadata: { ...updated.metadata, labels: { a: 'b' } } });
        assert.equal(relabelled.metadata.generation, 2, 'metadata changes do not count');
        const status = await api.updateStatus('replicasets', { ...relabelled, metadata: { ...relabelled.metadata, labels: {} }, spec: { ...relabelled.spec, replicas: 9 }, status: { replicas: 2, observedGeneration: 2 } });
        assert.deepEqual(status.status, { replicas: 2, observedGeneration: 2 });
        assert.equal(status.spec.replicas, 2);
        assert.deepEqual(status.metadata.labels, { a: 'b' });
        assert.equal(status.metadata.generation, 2);
        assert.equal(await reason(api.updateStatus('replicasets', relabelled)), 'Conflict');
      });

      it('writes nothing for an update that changes nothing', async () => {
        const created = await api.create('replicasets', replicaSet('web'));
        assert.equal((await api.update('replicasets', created)).metadata.resourceVersion, created.metadata.resourceVersion);
        assert.equal((await api.updateStatus('replicasets', created)).metadata.resourceVersion, created.metadata.resourceVersion);
      });

      it('has no status subresource for leases', async () => {
        const l = await api.create('leases', lease('l'));
        assert.equal(await reason(api.updateStatus('leases', l)), 'NotFound');
      });
    });

    describe('patch', () => {
      it('merges (null removes a key); status changes only through the status subresource', async () => {
        await api.create('pods', pod('a', { labels: { a: '1', b: '2' } }));
        const patched = await api.patch<Pod>('pods', 'default', 'a', { metadata: { labels: { b: null, c: '3' } }, status: { phase: 'Running' } });
        assert.deepEqual(patched.metadata.labels, { a: '1', c: '3' });
        assert.equal(patched.status?.phase, 'Pending');
        const status = await api.patch<Pod>('pods', 'default', 'a', { metadata: { labels: { d: '4' } }, status: { phase: 'Running' } }, { subresource: 'status' });
        assert.equal(status.status?.phase, 'Running');
        assert.equal(status.status?.qosClass, 'BestEffort', 'merged into the status');
        assert.deepEqual(status.metadata.labels, { a: '1', c: '3' });
      });

      it('applies a patch naming the current resourceVersion and refuses a stale one', async () => {
        const created = await api.create('pods', pod('a'));
        const patched = await api.patch('pods', 'default', 'a', { metadata: { labels: { x: '1' }, resourceVersion: created.metadata.resourceVersion } });
        assert.equal(patched.metadata.labels?.['x'], '1');
        assert.equal(await reason(api.patch('pods', 'default', 'a', { metadata: { labels: { x: '2' }, resourceVersion: created.metadata.resourceVersion } })), 'Conflict');
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
        await api.create('pods', pod('c', { namespace: 'other', labels: { app: 'web' } }));
        await api.create('pods', pod('b', { labels: { app: 'web' }, nodeName: 'n1' }));
        await api.create('pods', pod('a', { labels: { app: 'db' } }));
      });

      it('lists in namespace and name order, in one namespace or all', async () => {
        assert.deepEqual(keys((await api.list('pods')).items), ['default/a', 'default/b', 'other/c']);
        assert.deepEqual(keys((await api.list('pods', { namespace: 'default' })).items), ['default/a', 'default/b']);
      });

      it('filters by label and field selectors', async () => {
        const pods = async (opts: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> => keys((await api.list('pods', opts)).items);
        assert.deepEqual(await pods({ labelSelector: 'app=web' }), ['default/b', 'other/c']);
        assert.deepEqual(await pods({ labelSelector: 'app!=web' }), ['default/a']);
        assert.deepEqual(await pods({ labelSelector: 'app in (db,web),app' }), ['default/a', 'default/b', 'other/c']);
        assert.deepEqual(await pods({ fieldSelector: 'spec.nodeName=n1' }), ['default/b']);
        assert.deepEqual(await pods({ fieldSelector: 'spec.nodeName=' }), ['default/a', 'other/c']);
        assert.deepEqual(await pods({ fieldSelector: 'metadata.name=c' }), ['other/c']);
        assert.deepEqual(await pods({ fieldSelector: 'metadata.namespace=other,status.phase=Pending' }), ['other/c']);
        assert.deepEqual(await pods({ labelSelector: 'app=web', fieldSelector: 'metadata.namespace!=other' }), ['default/b']);
        await api.create('nodes', node('n1'));
        await api.create('nodes', node('n2'));
        assert.deepEqual(keys((await api.list('nodes', { fieldSelector: 'metadata.name!=n1' })).items), ['/n2']);
      });

      it('refuses selectors that do not parse or name fields it cannot select on', async () => {
        assert.equal(await reason(api.list('pods', { fieldSelector: 'spec.containers=x' })), 'BadRequest');
        assert.equal(await reason(api.list('pods', { labelSelector: 'app in (web' })), 'BadRequest');
      });
    });

    describe('watch', () => {
      it('from a resourceVersion: every change after it, a deletion carrying the last state', async () => {
        const a = await api.create('pods', pod('a', { labels: { keep: 'me' } }));
        await api.create('pods', pod('b'));
        const labelled = await api.patch('pods', 'default', 'b', { metadata: { labels: { x: 'y' } } });
        await api.delete('pods', 'default', 'a');
        const w = watch('pods', { resourceVersion: a.metadata.resourceVersion ?? '' });
        assert.deepEqual(await w.take(2), ['ADDED b', 'MODIFIED b']);
        const deleted = await w.event();
        assert.equal(deleted.type, 'DELETED');
        assert.equal(deleted.object.metadata.uid, a.metadata.uid);
        assert.deepEqual(deleted.object.metadata.labels, { keep: 'me' });
        assert.ok(rv(deleted.object) > rv(labelled), 'at the revision of the deletion');
        await api.create('pods', pod('c'));
        assert.deepEqual(await w.take(1), ['ADDED c']);
      });

      for (const from of ['0', '']) {
        it(`from "${from}": ADDED for every object that exists, then changes`, async () => {
          await api.create('pods', pod('b'));
          await api.create('pods', pod('a'));
          const w = watch('pods', { resourceVersion: from, namespace: 'default' });
          assert.deepEqual(await w.take(2), ['ADDED a', 'ADDED b']);
          await api.delete('pods', 'default', 'b');
          await api.create('pods', pod('c'));
          assert.deepEqual(await w.take(2), ['DELETED b', 'ADDED c']);
        });
      }

      it('filters: an object that starts matching is ADDED, one that stops matching is DELETED', async () => {
        const from = (await api.list('pods')).metadata.resourceVersion ?? '';
        const onNode = watch('pods', { fieldSelector: 'spec.nodeName=n1', resourceVersion: from });
        const web = watch('pods', { labelSelector: 'app=web', namespace: 'default', resourceVersion: from });
        await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
        await api.create('pods', pod('elsewhere', { namespace: 'other', labels: { app: 'web' } }));
        await api.create('pods', pod('p', { labels: { app: 'web' } }));
        await api.bind('default', 'p', 'n1');
        const added = await onNode.event();
        assert.deepEqual([added.type, added.object.metadata.name, (added.object as Pod).spec.nodeName], ['ADDED', 'p', 'n1']);
        await api.patch('pods', 'default', 'p', { metadata: { labels: { app: 'db' } } });
        await api.patch('pods', 'default', 'p', { metadata: { labels: { app: 'web' } } });
        assert.deepEqual(await web.take(4), ['ADDED p', 'MODIFIED p', 'DELETED p', 'ADDED p']);
        assert.deepEqual(await onNode.take(2), ['MODIFIED p', 'MODIFIED p']);
      });

      it('ends when closed', async () => {
        const w = watch('pods', {});
        await api.create('pods', pod('a'));
        assert.deepEqual(await w.take(1), ['ADDED a']);
        w.close();
        assert.equal((await w.next()).done, true);
      });

      it('refuses a resourceVersion that is not a number, when iterated', async () => {
        const w = watch('pods', { resourceVersion: 'latest' });
        assert.equal(await reason(w.next()), 'BadRequest');
      });
    });

    describe('delete', () => {
      it('removes an object without finalizers at once and returns it', async () => {
        const l = await api.create('leases', lease('l'));
        const deleted = await api.delete<Lease>('leases', 'default', 'l');
        assert.equal(deleted.metadata.uid, l.metadata.uid);
        assert.equal(await reason(api.get('leases', 'default', 'l')), 'NotFound');
      });

      it('checks uid and resourceVersion preconditions', async () => {
        const l = await api.create('leases', lease('l'));
        assert.equal(await reason(api.delete('leases', 'default', 'l', { preconditions: { uid: 'another-uid' } })), 'Conflict');
        assert.equal(await reason(api.delete('leases', 'default', 'l', { preconditions: { resourceVersion: '1' } })), 'Conflict');
        await api.delete('leases', 'default', 'l', { preconditions: { uid: l.metadata.uid ?? '', resourceVersion: l.metadata.resourceVersion ?? '' } });
        assert.equal(await reason(api.get('leases', 'default', 'l')), 'NotFound');
      });

      it('keeps an object with finalizers, marked, until the last finalizer is removed', async () => {
        await api.create('replicasets', { ...replicaSet('web'), metadata: { name: 'web', namespace: 'default', finalizers: ['example.com/hold'] } });
        const marked = await api.delete<ReplicaSet>('replicasets', 'default', 'web');
        assert.ok(marked.metadata.deletionTimestamp);
        assert.equal(marked.metadata.generation, 2);
        assert.deepEqual((await api.get<ReplicaSet>('replicasets', 'default', 'web')).metadata.finalizers, ['example.com/hold']);
        const again = await api.delete('replicasets', 'default', 'web');
        assert.equal(again.metadata.resourceVersion, marked.metadata.resourceVersion, 'a second delete changes nothing');
        await api.patch('replicasets', 'default', 'web', { metadata: { finalizers: null } });
        assert.equal(await reason(api.get('replicasets', 'default', 'web')), 'NotFound');
      });

      it('turns the Orphan and Foreground propagation policies into finalizers', async () => {
        await api.create('replicasets', replicaSet('orphaned'));
        await api.create('replicasets', replicaSet('foreground'));
        assert.deepEqual((await api.delete('replicasets', 'default', 'orphaned', { propagationPolicy: 'Orphan' })).metadata.finalizers, ['orphan']);
        assert.deepEqual((await api.delete('replicasets', 'default', 'foreground', { propagationPolicy: 'Foreground' })).metadata.finalizers, ['foregroundDeletion']);
        await api.patch('replicasets', 'default', 'orphaned', { metadata: { finalizers: [] } });
        assert.equal(await reason(api.get('replicasets', 'default', 'orphaned')), 'NotFound');
      });

      it('deletes a scheduled pod gracefully and an unscheduled one at once', async () => {
        await api.create('pods', pod('bound', { nodeName: 'n1' }));
        await api.create('pods', { ...pod('quick', { nodeName: 'n1' }), spec: { containers: [{ name: 'app', image: IMAGE }], nodeName: 'n1', terminationGracePeriodSeconds: 5 } });
        await api.create('pods', pod('pending'));
        const marked = await api.delete<Pod>('pods', 'default', 'bound');
        assert.ok(marked.metadata.deletionTimestamp);
        assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
        assert.equal((await api.delete<Pod>('pods', 'default', 'quick')).metadata.deletionGracePeriodSeconds, 5);
        const longer = await api.delete('pods', 'default', 'bound', { gracePeriodSeconds: 60 });
        assert.equal(longer.metadata.resourceVersion, marked.metadata.resourceVersion, 'a grace period is never made longer');
        const shorter = await api.delete<Pod>('pods', 'default', 'bound', { gracePeriodSeconds: 10 });
        assert.equal(shorter.metadata.deletionGracePeriodSeconds, 10);
        assert.ok(Date.parse(shorter.metadata.deletionTimestamp ?? '') < Date.parse(marked.metadata.deletionTimestamp ?? ''));
        await api.delete('pods', 'default', 'bound', { gracePeriodSeconds: 0 });
        assert.equal(await reason(api.get('pods', 'default', 'bound')), 'NotFound');
        await api.delete('pods', 'default', 'pending');
        assert.equal(await reason(api.get('pods', 'default', 'pending')), 'NotFound');
      });
    });

    describe('bind', () => {
      it('sets spec.nodeName once, with PodScheduled=True', async () => {
        await api.create('pods', pod('a'));
        await api.bind('default', 'a', 'n1');
        const bound = await api.get<Pod>('pods', 'default', 'a');
        assert.equal(bound.spec.nodeName, 'n1');
        assert.equal(findCondition(bound.status?.conditions, 'PodScheduled')?.status, 'True');
        assert.equal(await reason(api.bind('default', 'a', 'n2')), 'Conflict');
        assert.equal((await api.get<Pod>('pods', 'default', 'a')).spec.nodeName, 'n1');
      });

      it('refuses a pod that is being deleted', async () => {
        await api.create('pods', pod('a', { finalizers: ['example.com/hold'] }));
        await api.delete('pods', 'default', 'a');
        assert.equal(await reason(api.bind('default', 'a', 'n1')), 'Conflict');
      });
    });

    it('tells its version', async () => {
      assert.match((await api.version())['gitVersion'] ?? '', /^v\d+\.\d+\.\d+/);
    });
  });
}
