import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { homeClustersTaken, readNetworkFile } from './address-plan.js';
import { chooseNetworkPlan, defaultNetworkPlan, NOTHING_TAKEN } from './network-plan.js';
import { defaultPortPlan } from './ports.js';
import { clusterPaths, writeState, type ClusterState } from './state.js';

test("the other clusters of a SKIFF_HOME hold their auto plans, running or stopped with their data kept", (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-home-test-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const running = chooseNetworkPlan({ taken: NOTHING_TAKEN });
  const stopped = chooseNetworkPlan({ taken: NOTHING_TAKEN });
  const self = chooseNetworkPlan({ taken: NOTHING_TAKEN });

  // "a" is up: its plan is in state.json (and network.json).
  const a = clusterPaths(home, 'a');
  const state: ClusterState = {
    name: 'a',
    dir: a.dir,
    createdAt: '',
    ready: true,
    apiserver: '127.0.0.1:1',
    etcd: { clientUrl: '', peerUrl: '', dataDir: a.etcdDataDir },
    ports: defaultPortPlan(1),
    nodes: [],
    components: [],
    network: running,
  };
  writeState(a.stateFile, state);
  // "b" was stopped by `skiff down` (no state.json) and kept its data and network.json.
  const b = clusterPaths(home, 'b');
  fs.mkdirSync(b.dir, { recursive: true });
  fs.writeFileSync(b.networkFile, JSON.stringify(stopped));
  // "skiff" runs with the defaults, which an auto plan never takes anyway.
  const d = clusterPaths(home, 'skiff');
  fs.mkdirSync(d.dir, { recursive: true });
  fs.writeFileSync(d.networkFile, JSON.stringify(defaultNetworkPlan()));
  // The cluster being started does not collide with itself.
  const c = clusterPaths(home, 'c');
  fs.mkdirSync(c.dir, { recursive: true });
  fs.writeFileSync(c.networkFile, JSON.stringify(self));

  const taken = homeClustersTaken(home, 'c');
  assert.deepEqual(
    taken.cidrs.map((x) => x.cidr).sort(),
    [running.clusterCidr, running.serviceClusterIpRange, stopped.clusterCidr, stopped.serviceClusterIpRange].sort(),
  );
  assert.deepEqual([...taken.nodeAddressPrefixes].sort(), [running.nodeAddressPrefix, stopped.nodeAddressPrefix].sort());
  assert.deepEqual([...taken.chainPrefixes].sort(), [running.iptablesChainPrefix, stopped.iptablesChainPrefix].sort());
  assert.match(taken.cidrs.find((x) => x.cidr === stopped.clusterCidr)?.owner ?? '', /the pod network of cluster "b"/);

  assert.deepEqual(readNetworkFile(b.networkFile), stopped);
  assert.equal(readNetworkFile(path.join(home, 'nope.json')), undefined);
});
