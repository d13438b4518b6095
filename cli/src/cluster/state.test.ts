import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultPortPlan } from './ports.js';
import { clusterNameProblem, clusterPaths, listClusterNames, nodeName, readState, stopOrder, writeState, type ClusterState, type ComponentState } from './state.js';

function component(name: string, kind: ComponentState['kind'], pid: number): ComponentState {
  return { name, kind, command: 'x', args: [], log: `/l/${name}.log`, readyUrl: 'http://x/readyz', endpoints: {}, pid, startedAt: '2024-01-01T00:00:00Z' };
}

function sampleState(dir: string): ClusterState {
  return {
    name: 'c1',
    dir,
    createdAt: '2024-01-01T00:00:00Z',
    ready: true,
    apiserver: '127.0.0.1:6444',
    etcd: { clientUrl: 'http://127.0.0.1:2379', peerUrl: 'http://127.0.0.1:2380', dataDir: path.join(dir, 'etcd') },
    ports: defaultPortPlan(1),
    nodes: [{ name: 'c1-node-1', address: '127.0.0.2', port: 10250, httpPort: 10248 }],
    components: [component('etcd', 'etcd', 10), component('apiserver', 'apiserver', 11)],
  };
}

test('the state file round-trips and lists the cluster', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-state-'));
  try {
    const paths = clusterPaths(home, 'c1');
    assert.equal(paths.stateFile, path.join(home, 'clusters', 'c1', 'state.json'));
    assert.equal(readState(paths.stateFile), undefined);
    assert.deepEqual(listClusterNames(home), []);
    const state = sampleState(paths.dir);
    writeState(paths.stateFile, state);
    assert.deepEqual(readState(paths.stateFile), state);
    assert.deepEqual(listClusterNames(home), ['c1']);
    assert.deepEqual(fs.readdirSync(paths.dir), ['state.json'], 'no temp file left behind');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('a file that is not a cluster state is refused with its name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-state-'));
  try {
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, '{"name": 1}');
    assert.throws(() => readState(file), /state.json is not a Skiff cluster state file/);
    fs.writeFileSync(file, '{nope');
    assert.throws(() => readState(file), /state.json is not valid JSON/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('components stop kubelets first, etcd last', () => {
  const order = stopOrder([
    component('etcd', 'etcd', 1),
    component('apiserver', 'apiserver', 2),
    component('scheduler', 'scheduler', 3),
    component('controller-manager', 'controller-manager', 4),
    component('kubelet-a', 'kubelet', 5),
    component('kubelet-b', 'kubelet', 6),
    component('kube-proxy', 'kube-proxy', 7),
    component('dns', 'dns', 8),
    component('ingress-controller', 'ingress-controller', 9),
  ]);
  assert.deepEqual(
    order.map((g) => g.map((c) => c.name)),
    [['kubelet-a', 'kubelet-b', 'kube-proxy', 'dns', 'ingress-controller'], ['scheduler', 'controller-manager'], ['apiserver'], ['etcd']],
  );
});

test('cluster names are DNS-1123 labels; node names derive from them', () => {
  assert.equal(clusterNameProblem('skiff'), undefined);
  assert.equal(clusterNameProblem('e2e-3f9a'), undefined);
  assert.match(clusterNameProblem('Skiff') ?? '', /lower case/);
  assert.match(clusterNameProblem('a.b') ?? '', /lower case/);
  assert.match(clusterNameProblem('end-') ?? '', /end with an alphanumeric/);
  assert.equal(nodeName('skiff', 2), 'skiff-node-2');
});
