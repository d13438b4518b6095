// A harness for the node lifecycle and taint eviction controllers' tests: a FakeApi with nodes,
// their Leases and pods, real informers on a FakeClock, and "kubelets" the test keeps alive or not.

import { findCondition, nowRFC3339, type Condition, type Lease, type Node, type Pod, type Taint, type Toleration } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { NODE_LEASE_NAMESPACE, NodeLifecycleController, type NodeLifecycleOptions } from '../node-lifecycle-controller.js';
import { TaintEvictionController } from '../taint-eviction.js';

export interface Harness {
  api: FakeApi;
  clock: FakeClock;
  recorder: FakeEventRecorder;
  lifecycle: NodeLifecycleController;
  eviction: TaintEvictionController;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  stop(): Promise<void>;
}

function conditions(status: Condition['status'], at: string): Condition[] {
  const c = (type: string, s: Condition['status'], reason: string): Condition => ({ type, status: s, reason, lastHeartbeatTime: at, lastTransitionTime: at });
  return [c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), c('PIDPressure', 'False', 'KubeletHasSufficientPID'), c('Ready', status, status === 'True' ? 'KubeletReady' : 'KubeletNotReady')];
}

export async function harness(o: { options?: Partial<NodeLifecycleOptions>; lifecycle?: boolean } = {}): Promise<Harness> {
  const api = new FakeApi();
  // Real time to start with: the FakeApi stamps creation and deletion times from the real clock.
  const clock = new FakeClock(Date.now());
  const recorder = new FakeEventRecorder();
  const ac = new AbortController();
  const log = silentLogger();
  const nodes = new Informer<Node>(api, 'nodes', { clock });
  const leases = new Informer<Lease>(api, 'leases', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const lifecycle = new NodeLifecycleController({ nodes, leases, pods, client: api, recorder, clock, log, options: { nodeMonitorPeriodMs: 5_000, nodeMonitorGracePeriodMs: 40_000, ...o.options } });
  const eviction = new TaintEvictionController({ nodes, pods, client: api, recorder, clock, log });
  for (const i of [nodes, leases, pods]) i.start(ac.signal);
  await Promise.all([nodes.waitForSync(), leases.waitForSync(), pods.waitForSync()]);
  const running = [eviction.run(ac.signal), ...(o.lifecycle === false ? [] : [lifecycle.run(ac.signal)])];
  return {
    api,
    clock,
    recorder,
    lifecycle,
    eviction,
    nodes,
    pods,
    stop: async () => {
      ac.abort();
      await Promise.all(running);
    },
  };
}

/** A kubelet's registration: the node (Ready as told, heartbeat now) and its Lease. */
export async function addNode(h: Harness, name: string, o: { ready?: Condition['status'] | 'none'; taints?: Taint[]; labels?: Record<string, string> } = {}): Promise<void> {
  const at = nowRFC3339(new Date(h.clock.now()));
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name, ...(o.labels && { labels: o.labels }) }, spec: o.taints ? { taints: o.taints } : {} };
  if (o.ready !== 'none') node.status = { conditions: conditions(o.ready ?? 'True', at) };
  await h.api.create('nodes', node);
  await h.api.create<Lease>('leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NODE_LEASE_NAMESPACE }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: at } });
}

/** The kubelet renews its Lease (as every 10 s). */
export async function renewLease(h: Harness, name: string): Promise<void> {
  await h.api.patch('leases', NODE_LEASE_NAMESPACE, name, { spec: { renewTime: new Date(h.clock.now()).toISOString() } });
}

/** The kubelet posts its status: Ready as told, with a new heartbeat. */
export async function postStatus(h: Harness, name: string, ready: Condition['status'] = 'True'): Promise<void> {
  const node = h.api.peek<Node>('nodes', '', name);
  if (!node) throw new Error(`no node ${name}`);
  const at = new Date(h.clock.now()).toISOString();
  const prev = findCondition(node.status?.conditions, 'Ready');
  const next = conditions(ready, at).map((c) => (c.type === 'Ready' && prev?.status === ready ? { ...c, lastTransitionTime: prev.lastTransitionTime ?? at } : c));
  await h.api.updateStatus('nodes', { ...node, status: { ...node.status, conditions: next } });
}

/** A Running, Ready pod bound to the node. */
export async function addPod(h: Harness, name: string, nodeName: string, tolerations?: Toleration[]): Promise<Pod> {
  const created = await h.api.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName, containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], ...(tolerations && { tolerations }) },
  });
  const at = new Date(h.clock.now()).toISOString();
  return h.api.updateStatus<Pod>('pods', { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }] } });
}

/** Lets in-memory watches, handlers and workers run (setImmediate turns: quicker than timers). */
export async function flush(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the clock in monitor periods, the given kubelets renewing their Leases before each. */
export async function advance(h: Harness, ms: number, alive: readonly string[] = [], stepMs = 5_000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    for (const name of alive) await renewLease(h, name);
    await flush();
    h.clock.advance(Math.min(stepMs, ms - done));
    await flush();
  }
}

export const nodeOf = (h: Harness, name: string): Node => {
  const node = h.api.peek<Node>('nodes', '', name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
};
export const podOf = (h: Harness, name: string): Pod | undefined => h.api.peek<Pod>('pods', 'default', name);
export const readyOf = (obj: Node | Pod | undefined): Condition | undefined => findCondition(obj?.status?.conditions, 'Ready');
export const taintKeys = (node: Node): string[] => (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
export const evicted = (pod: Pod | undefined): boolean => pod === undefined || pod.metadata.deletionTimestamp !== undefined;
