import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { newRegistry } from '@skiff/component';
import { defaultConfig, type KubeProxyConfig } from './config.js';
import { FakeConntrack } from './host/conntrack.js';
import { ROUTE_LOCALNET, FakeSysctl } from './host/sysctl.js';
import { FakeIptables } from './iptables/fake-iptables.js';
import { cleanup, run } from './run.js';
import { endpointSlice, service } from './testing/objects.js';
import { FakeAddressProgrammer } from './userspace/address-programmer.js';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function node(name: string, ip: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } };
}

function start(api: FakeApi, over: Partial<KubeProxyConfig> = {}) {
  const ipt = new FakeIptables();
  const conntrack = new FakeConntrack();
  const sysctl = new FakeSysctl();
  const addresses = new FakeAddressProgrammer();
  const registry = newRegistry();
  const ctl = new AbortController();
  let httpPort = 0;
  const config: KubeProxyConfig = { ...defaultConfig(), httpPort: 0, minSyncPeriodMs: 0, ...over };
  const done = run(ctl.signal, config, {
    client: api,
    log: silentLogger(),
    registry,
    iptables: ipt,
    conntrack,
    sysctl,
    addresses,
    localAddresses: () => new Set(['192.0.2.2']),
    onListening: (p) => (httpPort = p),
  });
  const nat = (): string[] => [...ipt.tables.nat.entries()].flatMap(([c, rs]) => rs.map((r) => `${c} ${r.join(' ')}`));
  const filter = (): string[] => [...ipt.tables.filter.entries()].flatMap(([c, rs]) => rs.map((r) => `${c} ${r.join(' ')}`));
  return { ipt, conntrack, sysctl, addresses, registry, ctl, done, nat, filter, port: () => httpPort };
}

describe('run (iptables mode, fake API and iptables)', () => {
  it('programs a Service once its slices are listed, follows readiness, and keeps UDP conntrack clean', async () => {
    const api = new FakeApi();
    await api.create('nodes', node('n1', '127.0.0.2'));
    await api.create('nodes', node('elsewhere', '192.0.2.77'));
    await api.create('nodes', node('here', '192.0.2.2'));
    await api.create('services', service('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }));
    await api.create('endpointslices', endpointSlice('web-1', 'web', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3', ready: false }], [{ name: 'http', port: 8080 }]));
    const p = start(api);

    await until('the DNAT rule', () => p.nat().some((r) => r.endsWith('DNAT --to-destination 10.244.1.2:8080')));
    assert.equal(p.nat().some((r) => r.includes('10.244.1.3')), false, 'a not-ready endpoint gets no traffic');
    const nodePortJumps = p.nat().filter((r) => r.startsWith('SKIFF-SERVICES') && r.endsWith('-j SKIFF-NODEPORTS'));
    assert.deepEqual(nodePortJumps.map((r) => r.replace(/.* -d (\S+) .*/, '$1')), ['127.0.0.2', '192.0.2.2'], 'NodePorts on the InternalIPs of local Nodes only');
    assert.equal(await p.sysctl.get(ROUTE_LOCALNET), 1, 'route_localnet set for the loopback node address');

    // The only endpoint becomes unready: the ClusterIP is rejected instead.
    const slice = await api.get<ReturnType<typeof endpointSlice>>('endpointslices', 'default', 'web-1');
    slice.endpoints = slice.endpoints.map((e) => ({ ...e, conditions: { ready: false } }));
    await api.update('endpointslices', slice);
    await until('the REJECT rule', () => p.filter().some((r) => r.includes('has no endpoints') && r.includes('10.96.0.10') && r.endsWith('REJECT')));
    assert.equal(p.nat().some((r) => r.includes('DNAT')), false);

    // UDP: a removed endpoint's conntrack entries are flushed.
    await api.create('services', service('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
    await api.create('endpointslices', endpointSlice('dns-1', 'dns', [{ ip: '10.244.1.9' }, { ip: '10.244.1.8' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    await until('the dns rules', () => p.nat().some((r) => r.endsWith('--to-destination 10.244.1.9:53')));
    await until('newly active UDP service flushed', () => p.conntrack.cleared.includes('ip 10.96.0.53'));
    await api.update('endpointslices', endpointSlice('dns-1', 'dns', [{ ip: '10.244.1.8' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    await until('stale endpoint flushed', () => p.conntrack.cleared.includes('nat 10.96.0.53 -> 10.244.1.9'));

    const metrics = await p.registry.metrics();
    for (const name of ['kubeproxy_sync_proxy_rules_duration_seconds_count', 'kubeproxy_sync_proxy_rules_iptables_total{table="nat"}', 'kubeproxy_sync_proxy_rules_endpoint_changes_total', 'kubeproxy_sync_proxy_rules_service_changes_total', 'kubeproxy_sync_proxy_rules_last_timestamp_seconds']) {
      assert.ok(metrics.includes(name), name);
    }
    const ready = await fetch(`http://127.0.0.1:${p.port()}/readyz`);
    assert.equal(ready.status, 200);

    p.ctl.abort();
    await p.done;
    assert.ok(p.nat().some((r) => r.includes('DNAT')), 'rules stay programmed after a stop');
  });

  it('--cleanup removes every chain and jump of the prefix and the lo addresses', async () => {
    const api = new FakeApi();
    await api.create('services', service('web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }] }));
    await api.create('endpointslices', endpointSlice('web-1', 'web', [{ ip: '10.244.1.2' }], [{ port: 8080 }]));
    const p = start(api, { nodeAddresses: ['127.0.0.9'] });
    await until('rules', () => p.nat().some((r) => r.includes('DNAT')));
    p.ctl.abort();
    await p.done;
    await p.addresses.add('10.96.0.99');
    const report = await cleanup({ chainPrefix: 'SKIFF' }, { iptables: p.ipt, addresses: p.addresses, log: silentLogger() });
    assert.deepEqual(report.errors, []);
    assert.equal(report.addresses, 1);
    assert.ok(report.jumps >= 8);
    const all = (await p.ipt.save('nat')) + (await p.ipt.save('filter'));
    assert.equal(all.includes('SKIFF'), false, all);
    assert.deepEqual([...p.addresses.addresses], []);
  });
});

describe('run (userspace mode)', () => {
  it("removes the prefix's iptables leftovers and puts the ClusterIPs on lo", async () => {
    const api = new FakeApi();
    await api.create('services', service('web', { clusterIP: '127.1.2.3', ports: [{ port: 29999 }] }));
    const p = start(api, { proxyMode: 'userspace', nodeAddresses: [] });
    await until('the address', () => p.addresses.addresses.has('127.1.2.3'));
    p.ctl.abort();
    await p.done;
    assert.equal(p.ipt.restores.length, 0, 'nothing of this prefix was there, so iptables was not touched');
  });
});
