// kube-proxy against the real kernel: real iptables (iptables mode) and real listeners and lo
// addresses (userspace mode), forwarding to real skiff/demo-web containers on a Docker network of
// the test's own; the API is a FakeApi. Traffic goes only to loopback, the test's containers and
// the test's service range (guarded: anything not DNATed or kept on lo is rejected). Cleans up its
// chains (by prefix), lo addresses (by label), containers and network (by label).

import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { defaultConfig, type KubeProxyConfig } from './config.js';
import { cleanup, run } from './run.js';
import { hostnameOf, httpGet, until } from './testing/http.js';
import { endpointSlice, service } from './testing/objects.js';
import { canRunNetworkTests, dockerExec, installTrafficGuard, savedLinesWith, setHairpinMode, sh, startNxdomainResponder, startPodNetwork, type PodNetwork } from './testing/pod-network.js';
import { loLabel } from './userspace/address-programmer.js';

const skip = await canRunNetworkTests();
const rand = randomBytes(3).toString('hex');
const svcNet = `198.18.${randomInt(0, 256)}`;
const nodeBase = `127.${randomInt(100, 200)}.${randomInt(0, 256)}`;
const iptablesPrefix = `KPT${rand.toUpperCase()}`;
const userspacePrefix = `KPU${rand.toUpperCase()}`;

interface Running {
  ctl: AbortController;
  done: Promise<void>;
  syncs: () => number;
}

function startProxy(api: FakeApi, over: Partial<KubeProxyConfig>): Running {
  const ctl = new AbortController();
  let syncs = 0;
  const config: KubeProxyConfig = { ...defaultConfig(), httpPort: 0, minSyncPeriodMs: 100, ...over };
  const done = run(ctl.signal, config, { client: api, log: silentLogger(), onSync: () => syncs++ });
  return { ctl, done, syncs: () => syncs };
}

async function stop(p: Running): Promise<void> {
  p.ctl.abort();
  await p.done;
}

/** Sends `n` requests; the hostnames that answered (throws on a failed request). */
async function hostnames(ip: string, port: number, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await httpGet(ip, port);
    if (!r.ok) throw new Error(`GET http://${ip}:${port}/ failed: ${r.code}`);
    out.push(hostnameOf(r.body) ?? '?');
  }
  return out;
}

async function allFrom(ip: string, port: number, host: string): Promise<boolean> {
  const hs = await hostnames(ip, port, 12).catch(() => []);
  return hs.length === 12 && hs.every((h) => h === host);
}

async function setSlice(api: FakeApi, svc: string, endpoints: { ip: string; ready?: boolean }[]): Promise<void> {
  const slice = endpointSlice(`${svc}-1`, svc, endpoints, [{ name: 'http', port: 8080 }]);
  const existing = api.peek<EndpointSlice>('endpointslices', 'default', `${svc}-1`);
  if (existing) await api.update('endpointslices', { ...slice, metadata: { ...slice.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' } });
  else await api.create('endpointslices', slice);
}

/** A UDP Service whose endpoint is a responder on the host (bound to the network's gateway address). */
async function udpService(api: FakeApi, name: string, clusterIP: string, gateway: string): Promise<() => void> {
  const responder = await startNxdomainResponder(gateway);
  await api.create('services', service(name, { clusterIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
  await api.create('endpointslices', endpointSlice(`${name}-1`, name, [{ ip: gateway }], [{ name: 'dns', port: responder.port, protocol: 'UDP' }]));
  return () => responder.close();
}

async function podResolves(podId: string, server: string): Promise<boolean> {
  const r = await dockerExec(podId, ['nslookup', 'x.example', server], 20_000);
  return /NXDOMAIN/.test(r.stdout + r.stderr);
}

describe('kube-proxy on real iptables and Docker', { skip: skip ?? false }, () => {
  let net: PodNetwork;
  let unguard: (() => Promise<void>) | undefined;
  let pod0: { id: string; ip: string; hostname: string };
  let pod1: { id: string; ip: string; hostname: string };

  before(async () => {
    net = await startPodNetwork({ name: `kp-test-${rand}`, pods: 2 });
    [pod0, pod1] = net.pods as [typeof pod0, typeof pod1];
    unguard = await installTrafficGuard(`KPG${rand.toUpperCase()}`, `${svcNet}.0/24`);
    // demo-web is up when it answers directly.
    for (const p of net.pods) await until(`${p.hostname} serving`, async () => (await httpGet(p.ip, 8080)).ok);
  });

  after(async () => {
    await cleanup({ chainPrefix: iptablesPrefix }, { log: silentLogger() });
    await cleanup({ chainPrefix: userspacePrefix }, { log: silentLogger() });
    await unguard?.();
    await net?.cleanup();
  });

  describe('iptables mode', () => {
    const api = new FakeApi();
    const clusterIP = `${svcNet}.10`;
    const nodeAddr = `${nodeBase}.2`;
    const nodePort = 30000 + randomInt(0, 2700);
    let proxy: Running;

    it('forwards a ClusterIP to every ready endpoint and a NodePort on a loopback node address', async () => {
      await api.create('services', service('web', { clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort }] }));
      await setSlice(api, 'web', [{ ip: pod0.ip }, { ip: pod1.ip }]);
      proxy = startProxy(api, { chainPrefix: iptablesPrefix, nodeAddresses: [nodeAddr], clusterCidr: net.subnet });
      const seen = new Set<string>();
      await until('both pods answering through the ClusterIP', async () => {
        for (const h of await hostnames(clusterIP, 80, 10).catch(() => [])) seen.add(h);
        return seen.size === 2;
      });
      assert.deepEqual([...seen].sort(), [pod0.hostname, pod1.hostname].sort());
      const viaNodePort = await httpGet(nodeAddr, nodePort);
      assert.ok(viaNodePort.ok, `NodePort ${nodeAddr}:${nodePort}: ${viaNodePort.ok ? '' : viaNodePort.code}`);
      assert.ok([pod0.hostname, pod1.hostname].includes(hostnameOf(viaNodePort.body) ?? ''));
    });

    it('stops sending traffic to an endpoint that is no longer ready', async () => {
      await setSlice(api, 'web', [{ ip: pod0.ip, ready: false }, { ip: pod1.ip }]);
      await until('only pod1 answering', () => allFrom(clusterIP, 80, pod1.hostname));
      assert.ok(await allFrom(nodeAddr, nodePort, pod1.hostname));
    });

    it('lets a pod reach itself and another pod through the Service (hairpin)', async () => {
      await setSlice(api, 'web', [{ ip: pod0.ip }]);
      await until('only pod0 answering', () => allFrom(clusterIP, 80, pod0.hostname));
      // A pod reaching itself needs hairpin mode on its bridge port (the kubelet's job, as
      // --hairpin-mode=hairpin-veth in Kubernetes); kube-proxy masquerades the traffic.
      await setHairpinMode(net.name);
      const self = await dockerExec(pod0.id, ['wget', '-q', '-O', '-', `http://${clusterIP}/`]);
      assert.equal(self.code, 0, self.stderr);
      assert.equal(hostnameOf(self.stdout), pod0.hostname);
      const other = await dockerExec(pod1.id, ['wget', '-q', '-O', '-', `http://${clusterIP}/`]);
      assert.equal(other.code, 0, other.stderr);
      assert.equal(hostnameOf(other.stdout), pod0.hostname);
    });

    it('forwards UDP from a pod through a ClusterIP', async () => {
      const close = await udpService(api, 'dns', `${svcNet}.53`, net.gateway);
      try {
        await until('the UDP rules', async () => (await savedLinesWith(`--to-destination ${net.gateway}:`)).length > 0);
        assert.ok(await podResolves(pod0.id, `${svcNet}.53`), 'an answer through the ClusterIP');
      } finally {
        close();
      }
    });

    it('rejects a ClusterIP with no ready endpoint', async () => {
      await setSlice(api, 'web', []);
      await until('connection refused', async () => {
        const r = await httpGet(clusterIP, 80, '/', 1000);
        return !r.ok && r.code === 'ECONNREFUSED';
      });
    });

    it('converges after a restart without duplicating rules', async () => {
      await setSlice(api, 'web', [{ ip: pod0.ip }, { ip: pod1.ip }]);
      await until('both endpoints programmed', async () => (await savedLinesWith(`${pod1.ip}:8080`)).length > 0 && (await savedLinesWith(`${pod0.ip}:8080`)).length > 0);
      const before = (await savedLinesWith(iptablesPrefix)).sort();
      await stop(proxy);
      assert.ok((await httpGet(clusterIP, 80)).ok, 'traffic keeps flowing while kube-proxy is down');
      proxy = startProxy(api, { chainPrefix: iptablesPrefix, nodeAddresses: [nodeAddr], clusterCidr: net.subnet });
      await until('a sync after the restart', async () => proxy.syncs() > 0);
      const afterRestart = (await savedLinesWith(iptablesPrefix)).sort();
      assert.deepEqual(afterRestart, before);
      const jumps = afterRestart.filter((l) => /^-A (PREROUTING|OUTPUT|INPUT|FORWARD|POSTROUTING) /.test(l));
      assert.equal(jumps.length, 9, jumps.join('\n'));
      assert.equal(new Set(jumps).size, jumps.length, 'each jump once');
      assert.ok((await httpGet(clusterIP, 80)).ok);
    });

    it('--cleanup leaves no rule or chain of its prefix', async () => {
      await stop(proxy);
      const report = await cleanup({ chainPrefix: iptablesPrefix }, { log: silentLogger() });
      assert.deepEqual(report.errors, []);
      assert.ok(report.chains > 0);
      assert.deepEqual(await savedLinesWith(iptablesPrefix), []);
    });
  });

  describe('userspace mode', () => {
    const api = new FakeApi();
    const clusterIP = `${svcNet}.20`;
    const nodeAddr = `${nodeBase}.3`;
    const nodePort = 30000 + randomInt(0, 2700);
    let proxy: Running;
    const ours = async (): Promise<string> => (await sh('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo', 'label', loLabel(userspacePrefix)])).stdout;

    it('puts the ClusterIP on lo and forwards it and the NodePort to ready endpoints', async () => {
      await api.create('services', service('web', { clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort }] }));
      await setSlice(api, 'web', [{ ip: pod0.ip }, { ip: pod1.ip }]);
      proxy = startProxy(api, { proxyMode: 'userspace', chainPrefix: userspacePrefix, nodeAddresses: [nodeAddr] });
      await until('the ClusterIP on lo', async () => (await ours()).includes(`${clusterIP}/32`));
      const seen = new Set(await until('answers through the ClusterIP', () => hostnames(clusterIP, 80, 4).catch(() => undefined)));
      assert.deepEqual([...seen].sort(), [pod0.hostname, pod1.hostname].sort(), 'round robin');
      const viaNodePort = await httpGet(nodeAddr, nodePort);
      assert.ok(viaNodePort.ok && [pod0.hostname, pod1.hostname].includes(hostnameOf(viaNodePort.body) ?? ''));
    });

    it('is reached by pods through their gateway', async () => {
      const r = await dockerExec(pod0.id, ['wget', '-q', '-O', '-', `http://${clusterIP}/`]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok([pod0.hostname, pod1.hostname].includes(hostnameOf(r.stdout) ?? ''));
    });

    it('forwards UDP from a pod through a ClusterIP', async () => {
      const close = await udpService(api, 'dns', `${svcNet}.63`, net.gateway);
      try {
        await until('the UDP ClusterIP on lo', async () => (await ours()).includes(`${svcNet}.63/32`));
        await until('an answer through the ClusterIP', () => podResolves(pod1.id, `${svcNet}.63`), 30_000);
      } finally {
        close();
      }
    });

    it('follows readiness and refuses when no endpoint is ready', async () => {
      await setSlice(api, 'web', [{ ip: pod0.ip }, { ip: pod1.ip, ready: false }]);
      await until('only pod0 answering', () => allFrom(clusterIP, 80, pod0.hostname));
      await setSlice(api, 'web', []);
      await until('connection refused', async () => {
        const r = await httpGet(clusterIP, 80, '/', 1000);
        return !r.ok && r.code === 'ECONNREFUSED';
      });
    });

    it('converges after a restart and --cleanup removes its addresses', async () => {
      await setSlice(api, 'web', [{ ip: pod1.ip }]);
      await until('pod1 answering', () => allFrom(clusterIP, 80, pod1.hostname));
      await stop(proxy);
      proxy = startProxy(api, { proxyMode: 'userspace', chainPrefix: userspacePrefix, nodeAddresses: [nodeAddr] });
      await until('pod1 answering after the restart', () => allFrom(clusterIP, 80, pod1.hostname));
      assert.equal((await ours()).split('\n').filter((l) => l.includes(`${clusterIP}/32`)).length, 1);
      await stop(proxy);
      const report = await cleanup({ chainPrefix: userspacePrefix }, { log: silentLogger() });
      assert.deepEqual(report.errors, []);
      assert.equal(report.addresses, 2, 'the web and dns ClusterIPs');
      assert.equal((await ours()).trim(), '');
      assert.deepEqual(await savedLinesWith(userspacePrefix), []);
    });
  });
});
