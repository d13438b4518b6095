// End-to-end: networking (issue 5) on one real local cluster (`skiff up`, 2 nodes, real Docker
// containers, and the cluster's kube-proxy, DNS server and ingress controller), checked as a user
// and a pod would see it: pod-to-pod across nodes by pod IP, pod → Service by DNS name and by
// ClusterIP, Service environment variables, NodePorts on each node address and the LoadBalancer
// status, Ingress routing, readiness leaving the endpoints, headless and selector-less Services.
// Pods send their traffic with busybox `nc` through `skiff exec`; the test process sends only to
// loopback (node addresses, the ingress controller, the DNS server) and to the cluster's pods.
//
// Every step runs all its checks and names, for each failure, the component it points at
// ([kube-proxy], [dns], [kubelet], [controller-manager], [apiserver], [ingress-controller], [cli]);
// a failing step appends the network evidence (iptables-save of the cluster's chains, routes,
// Docker networks, Services/Endpoints/EndpointSlices) and keeps the logs.
//
// Run: node --test --test-concurrency=1 e2e/dist/networking.e2e.test.js   (after `npx tsc --build`)
//      SKIFF_E2E_PROXY_MODE=userspace node --test ... runs kube-proxy in userspace mode.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { TestContext } from 'node:test';
import { cidrContains, cidrsOverlap, addressAt, parseCidr, type IngressClass, type Ingress, type Node, type Pod, type Service } from '@skiff/api';
import { httpGet, nameOf, showRun, waitFor, type Cluster } from './harness.js';
import { applyFileIn, applyTemplate, fixturePath } from './fixtures.js';
import { clusterIptables } from './net-diagnostics.js';
import { withNetworkDiagnostics } from './net-diagnostics.js';
import { Checks, dnsA, dnsSrv, endpointsBecome, endpointsOf, readyPods, sameSet, service, sliceEndpointsOf, slicesBecome } from './net-objects.js';
import { componentOf, internalIp, isLocalAddress, type Listener } from './network-plan.js';
import { getOrUndefined, runningPod } from './objects.js';
import { describeResponse, httpFromPod, httpFromPodN, nslookupFromPod, podFile, servedBy, versionOf, wgetFromPod, type PodHttpResponse } from './pod-http.js';
import { clusterSuite } from './suite.js';
import { parseTable, rowNamed } from './table.js';

const NS = 'e2e-net';
const fixture = (f: string): string => fixturePath('networking', f);
const PROXY_MODE = process.env['SKIFF_E2E_PROXY_MODE'];

const suite = clusterSuite({
  prefix: 'e2e-net',
  nodes: 2,
  ...(PROXY_MODE ? { upArgs: ['--proxy-mode', PROXY_MODE] } : {}),
});
const c = (): Cluster => suite.cluster();

/** A step whose failure carries the network evidence of `namespace`. */
function step(name: string, timeoutMs: number, namespace: string, fn: (t: TestContext, ck: Checks) => Promise<void>): void {
  suite.step(name, timeoutMs, async (t) => {
    await withNetworkDiagnostics(c(), name, namespace, async () => {
      const ck = new Checks((line) => t.diagnostic(line));
      await fn(t, ck);
      ck.done();
    });
  });
}

// ---- helpers ----------------------------------------------------------------------------------

/** Polls a request from inside `pod` until `ok` accepts the response; returns it. */
async function podGetUntil(
  pod: string,
  target: { host: string; port: number; path?: string },
  ok: (r: PodHttpResponse) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<PodHttpResponse> {
  return waitFor(
    async () => {
      const r = await httpFromPod(c(), pod, target, { namespace: NS, timeoutSeconds: 3 });
      if (!ok(r)) throw new Error(`GET http://${target.host}:${target.port}${target.path ?? '/'} from ${pod}: ${describeResponse(r)}`);
      return r;
    },
    { timeoutMs, intervalMs: 500, what },
  );
}

const isV = (v: string) => (r: PodHttpResponse): boolean => r.status === 200 && versionOf(r.body) === v;

/** Polls a GET from the test process (loopback or a local address) until `ok` accepts it. */
async function hostGetUntil(host: string, port: number, path: string, ok: (status: number, body: string) => boolean, what: string, timeoutMs = 20_000): Promise<{ status: number; body: string }> {
  const allowed = isLocalAddress(host) ? [`${host}/32`] : [];
  return waitFor(
    async () => {
      const r = await httpGet(host, port, path, { timeoutMs: 3000, allowedCidrs: allowed });
      if (!ok(r.status, r.body)) throw new Error(`GET http://${host}:${port}${path}: ${r.status} ${JSON.stringify(r.body.slice(0, 200))}`);
      return r;
    },
    { timeoutMs, intervalMs: 300, what },
  );
}

async function nodes(): Promise<Node[]> {
  return (await c().client.list<Node>('nodes')).items.filter((n) => c().nodes.includes(nameOf(n)));
}

function podCidrOf(n: Readonly<Node>): string | undefined {
  return n.spec?.podCIDR;
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is missing`);
  return v;
}

/** The `skiff get KIND NAME -n NS` row (kubectl columns). */
async function getRow(kind: string, name: string, extra: string[] = []): Promise<Record<string, string>> {
  const r = await c().skiff('get', kind, '-n', NS, ...extra);
  if (r.code !== 0) throw new Error(showRun(r));
  const row = rowNamed(r.stdout, name);
  if (!row) throw new Error(`no row ${name} in:\n${r.stdout}`);
  return row;
}

/** Pods that answered, by name, over `responses`. */
function tally(responses: readonly PodHttpResponse[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of responses) {
    const who = r.status === 200 ? (servedBy(r.body) ?? '(no hostname line)') : `(${describeResponse(r)})`;
    m.set(who, (m.get(who) ?? 0) + 1);
  }
  return m;
}

const show = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k}×${v}`).join(', ');

// ---- the suite ---------------------------------------------------------------------------------

step('the cluster runs a kube-proxy, a DNS server and an ingress controller; each node has a pod CIDR and a Docker network for it; kube-dns and IngressClass skiff exist', 120_000, 'kube-system', async (t, ck) => {
  const cl = c();
  const plan = cl.network();
  t.diagnostic(`address plan: ${JSON.stringify(plan)}`);
  t.diagnostic(`components: ${cl.state.components.map((x) => `${x.name}[${x.kind}]`).join(' ')}`);

  await ck.check('skiff up started a kube-proxy, a DNS server and an ingress controller, recorded in state.json [cli]', () => {
    const missing = [['kube-proxy'], ['dns', 'cluster-dns', 'skiff-dns'], ['ingress-controller', 'ingress']].filter((kinds) => !componentOf(cl.state, ...kinds)).map((k) => k[0]);
    assert.deepEqual(missing, [], `components recorded: ${cl.state.components.map((x) => `${x.name}[${x.kind}]`).join(' ')}`);
  });
  for (const p of cl.processes().filter((x) => ['kube-proxy', 'dns', 'ingress-controller'].includes(x.kind))) {
    await ck.check(`${p.name} answers /healthz at ${p.url ?? '(no url)'} [${p.kind}]`, async () => {
      const u = new URL(must(p.url, `${p.name}'s observability url`));
      const r = await httpGet(u.hostname, Number(u.port), '/healthz');
      assert.equal(r.status, 200, r.body);
    });
  }

  let nodeList: Node[] = [];
  await ck.check(`every node gets a distinct spec.podCIDR inside the cluster CIDR ${plan.clusterCidr} [controller-manager: node IPAM]`, async () => {
    nodeList = await waitFor(
      async () => {
        const ns = await nodes();
        if (ns.length !== cl.nodes.length || !ns.every((n) => podCidrOf(n))) throw new Error(ns.map((n) => `${nameOf(n)}=${podCidrOf(n) ?? '-'}`).join(' '));
        return ns;
      },
      { timeoutMs: 30_000, what: 'spec.podCIDR on every node' },
    );
    const cluster = parseCidr(plan.clusterCidr);
    const blocks = nodeList.map((n) => parseCidr(must(podCidrOf(n), `${nameOf(n)} podCIDR`)));
    for (const [i, b] of blocks.entries()) {
      assert.ok(cidrContains(cluster, addressAt(b, 0)) && cidrContains(cluster, addressAt(b, b.size - 1)), `${b.text} (${nameOf(nodeList[i] as Node)}) inside ${plan.clusterCidr}`);
      assert.deepEqual(nodeList[i]?.spec?.podCIDRs ?? [b.text], [b.text], `podCIDRs of ${nameOf(nodeList[i] as Node)} = [podCIDR]`);
    }
    assert.ok(!(blocks[0] && blocks[1] && cidrsOverlap(blocks[0], blocks[1])), `the nodes' blocks do not overlap: ${blocks.map((b) => b.text).join(' ')}`);
  });

  await ck.check('each kubelet made its Docker network skiff-<node> with its podCIDR, gateway the first address [kubelet]', async () => {
    const nets = await waitFor(async () => {
      const l = await cl.networks();
      return l.length >= nodeList.length ? l : undefined;
    }, { timeoutMs: 20_000, what: 'a Docker network per node' });
    for (const n of nodeList) {
      const net = nets.find((x) => x.Labels?.['skiff.io/node'] === nameOf(n));
      const cfg = net?.IPAM?.Config?.[0];
      assert.ok(net, `a network labelled skiff.io/node=${nameOf(n)} (have: ${nets.map((x) => x.Name).join(', ')})`);
      assert.equal(net.Name, `skiff-${nameOf(n)}`);
      assert.equal(cfg?.Subnet, podCidrOf(n), `subnet of ${net.Name}`);
      assert.equal(cfg?.Gateway, addressAt(parseCidr(must(podCidrOf(n), 'podCIDR')), 1), `gateway of ${net.Name}`);
    }
  });

  await ck.check('each kubelet accepts its pod CIDR in DOCKER-USER (-d and -s, commented "skiff node <node>") [kubelet]', async () => {
    // The kubelet adds them once its network exists: poll until every node has both, then check their form.
    const rules = await waitFor(async () => {
      const r = await clusterIptables('\u0000', cl.nodes);
      return nodeList.every((n) => r.filter((l) => l.startsWith('-A DOCKER-USER') && l.includes(`skiff node ${nameOf(n)}`)).length >= 2) ? r : undefined;
    }, { timeoutMs: 20_000, what: 'two DOCKER-USER rules per node' }).catch(async () => clusterIptables('\u0000', cl.nodes));
    for (const n of nodeList) {
      const mine = rules.filter((l) => l.includes(`skiff node ${nameOf(n)}`));
      const cidr = must(podCidrOf(n), 'podCIDR');
      assert.ok(mine.some((l) => l.includes(`-d ${cidr}`) && /-j ACCEPT/.test(l)), `-d ${cidr} -j ACCEPT for ${nameOf(n)}:\n${rules.join('\n')}`);
      assert.ok(mine.some((l) => l.includes(`-s ${cidr}`) && /-j ACCEPT/.test(l)), `-s ${cidr} -j ACCEPT for ${nameOf(n)}:\n${rules.join('\n')}`);
    }
  });

  await ck.check(`Service kube-system/kube-dns: ClusterIP ${plan.dnsIp}, selector-less, ports dns 53/UDP and dns-tcp 53/TCP [dns]`, async () => {
    const svc = await waitFor(() => getOrUndefined<Service>(cl.client, 'services', 'kube-system', 'kube-dns'), { timeoutMs: 20_000, what: 'Service kube-system/kube-dns' });
    assert.equal(svc.spec.clusterIP, plan.dnsIp);
    assert.equal(svc.spec.selector, undefined, 'selector-less');
    const ports = (svc.spec.ports ?? []).map((p) => `${p.name ?? ''} ${p.port}/${p.protocol ?? 'TCP'}`).sort();
    assert.deepEqual(ports, ['dns 53/UDP', 'dns-tcp 53/TCP'].sort());
  });
  await ck.check(`Endpoints kube-system/kube-dns name the DNS server (port ${plan.dns?.port ?? '?'}) [dns]`, async () => {
    const ep = await waitFor(() => endpointsOf(cl, 'kube-system', 'kube-dns'), { timeoutMs: 20_000, what: 'Endpoints kube-system/kube-dns' });
    assert.equal(ep.ready.length, 1, JSON.stringify(ep));
    if (plan.dns) assert.ok(ep.ports.includes(plan.dns.port), `ports ${JSON.stringify(ep.ports)} include the DNS server's --port ${plan.dns.port}`);
  });
  await ck.check('an EndpointSlice mirrors them (managed-by endpointslicemirroring-controller.k8s.io) [controller-manager: mirroring]', async () => {
    const eps = await waitFor(
      async () => {
        const e = await sliceEndpointsOf(cl, 'kube-system', 'kube-dns');
        return e.length > 0 ? e : undefined;
      },
      { timeoutMs: 20_000, what: 'an EndpointSlice for kube-dns' },
    );
    assert.ok(eps.every((e) => e.managedBy === 'endpointslicemirroring-controller.k8s.io'), JSON.stringify(eps));
  });
  await ck.check('the DNS server answers kube-dns.kube-system.svc.<domain> on its own port, from the host [dns]', async () => {
    const server = must(plan.dns, 'the DNS listener (state.json)');
    const name = `kube-dns.kube-system.svc.${plan.clusterDomain}`;
    const a = await waitFor(async () => {
      const r = await dnsA(server, name);
      if (r.error) throw new Error(r.error);
      return r;
    }, { timeoutMs: 15_000, what: `A ${name} @${server.host}:${server.port}` });
    assert.deepEqual(a.addresses, [plan.dnsIp]);
  });

  await ck.check('IngressClass skiff exists with controller skiff.io/ingress-controller [ingress-controller]', async () => {
    const ic = await waitFor(() => getOrUndefined<IngressClass>(cl.client, 'ingressclasses', '', 'skiff'), { timeoutMs: 20_000, what: 'IngressClass skiff' });
    assert.equal(ic.spec.controller, 'skiff.io/ingress-controller');
  });

  if (plan.proxyMode === 'iptables') {
    await ck.check(`kube-proxy programmed its own chains (${plan.chainPrefix}*) and route_localnet=1 [kube-proxy]`, async () => {
      const rules = await clusterIptables(plan.chainPrefix, []);
      assert.ok(rules.some((l) => l.startsWith(`:${plan.chainPrefix}`)), `chains ${plan.chainPrefix}* in iptables-save:\n${rules.join('\n')}`);
      assert.ok(rules.filter((l) => l.startsWith(':')).every((l) => (l.slice(1).split(' ')[0] ?? '').length <= 28), 'chain names ≤ 28 characters');
    });
  }
  await ck.check('kube-proxy /metrics has kubeproxy_sync_proxy_rules_duration_seconds [kube-proxy]', async () => {
    const p = cl.processOf('kube-proxy');
    const u = new URL(must(p.url, 'kube-proxy url'));
    const r = await waitFor(async () => {
      const m = await httpGet(u.hostname, Number(u.port), '/metrics');
      return /kubeproxy_sync_proxy_rules_duration_seconds_count \d/.test(m.body) ? m : undefined;
    }, { timeoutMs: 15_000, what: 'kubeproxy_sync_proxy_rules_duration_seconds in kube-proxy /metrics' });
    assert.equal(r.status, 200);
  });

  const ns = await cl.skiff('create', 'namespace', NS);
  assert.equal(ns.code, 0, showRun(ns));
});

step('pod-to-pod across nodes by pod IP: each pod IP lies in its node\'s podCIDR; net-a (node 1) and net-b (node 2) reach each other on 8080', 150_000, NS, async (_t, ck) => {
  const cl = c();
  const [nodeA, nodeB] = cl.nodes;
  await applyTemplate(cl, fixture('pinned-pods.yaml'), { NODE_A: must(nodeA, 'node 1'), NODE_B: must(nodeB, 'node 2') }, NS);
  const a = await runningPod(cl, 'net-a', { namespace: NS, timeoutMs: 90_000 });
  const b = await runningPod(cl, 'net-b', { namespace: NS, timeoutMs: 90_000 });
  const ipA = must(a.status?.podIP, 'net-a podIP');
  const ipB = must(b.status?.podIP, 'net-b podIP');
  const byName = new Map((await nodes()).map((n) => [nameOf(n), n]));

  await ck.check('the pods run on different nodes, as pinned [scheduler]', () => {
    assert.equal(a.spec.nodeName, nodeA);
    assert.equal(b.spec.nodeName, nodeB);
  });
  for (const p of [a, b]) {
    const node = byName.get(p.spec.nodeName ?? '');
    await ck.check(`${nameOf(p)}'s IP ${p.status?.podIP ?? '-'} lies in ${p.spec.nodeName ?? '-'}'s podCIDR ${(node && podCidrOf(node)) ?? '-'} [kubelet]`, () => {
      const cidr = must(podCidrOf(must(node, `node ${p.spec.nodeName ?? '-'}`)), 'podCIDR');
      assert.ok(cidrContains(parseCidr(cidr), must(p.status?.podIP, 'podIP')), `${p.status?.podIP ?? '-'} in ${cidr}`);
    });
  }
  await ck.check(`net-a → http://${ipB}:8080/ answers from net-b [kubelet: DOCKER-USER rules / host-gw routes]`, async () => {
    const r = await podGetUntil('net-a', { host: ipB, port: 8080 }, (x) => x.status === 200, `net-a → net-b by pod IP`);
    assert.equal(servedBy(r.body), 'net-b', r.body);
  });
  await ck.check(`net-b → http://${ipA}:8080/ answers from net-a [kubelet: DOCKER-USER rules / host-gw routes]`, async () => {
    const r = await podGetUntil('net-b', { host: ipA, port: 8080 }, (x) => x.status === 200, `net-b → net-a by pod IP`);
    assert.equal(servedBy(r.body), 'net-a', r.body);
  });
  await ck.check('the host reaches both pod IPs [kubelet]', async () => {
    for (const [ip, who] of [[ipA, 'net-a'], [ipB, 'net-b']] as const) {
      const r = await cl.httpGet(ip, 8080, '/');
      assert.equal(r.status, 200);
      assert.equal(servedBy(r.body), who);
    }
  });
});

let webIp = '';

step('pod → Service: by ClusterIP, by DNS name (short name through the search path, and <svc>.<ns>.svc.cluster.local); resolv.conf; WEB_SERVICE_HOST/PORT in a pod started after the Service', 180_000, NS, async (_t, ck) => {
  const cl = c();
  const plan = cl.network();
  await applyFileIn(cl, fixture('web.yaml'), NS);
  const pods = await readyPods(cl, NS, 'app=web', 2);
  const ips = pods.map((p) => must(p.status?.podIP, 'podIP'));
  const svc = await service(cl, NS, 'web');
  webIp = must(svc.spec.clusterIP, 'web clusterIP');
  const fqdn = `web.${NS}.svc.${plan.clusterDomain}`;

  await ck.check(`Service web got a ClusterIP (${webIp}) inside ${plan.serviceRange} [apiserver]`, () => {
    assert.ok(cidrContains(parseCidr(plan.serviceRange), webIp), `${webIp} in ${plan.serviceRange}`);
  });
  await ck.check(`Endpoints web list both ready pods ${ips.join(' ')} on 8080 (targetPort "http" resolved) [controller-manager: endpoints]`, async () => {
    const ep = await endpointsBecome(cl, NS, 'web', { ready: ips, notReady: [] });
    assert.deepEqual(ep.ports, [8080]);
  });
  await ck.check('an EndpointSlice of web lists both as ready (managed-by endpointslice-controller.k8s.io) [controller-manager: endpointslice]', async () => {
    const eps = await slicesBecome(cl, NS, 'web', { ready: ips, notReady: [] });
    assert.ok(eps.every((e) => e.managedBy === 'endpointslice-controller.k8s.io'), JSON.stringify(eps));
  });

  await ck.check('skiff get endpoints: web lists <ip>:8080 of both pods [cli]', async () => {
    const row = await getRow('endpoints', 'web');
    assert.deepEqual((row['ENDPOINTS'] ?? '').split(',').sort(), ips.map((ip) => `${ip}:8080`).sort(), JSON.stringify(row));
  });

  await applyFileIn(cl, fixture('client-pod.yaml'), NS);
  await runningPod(cl, 'client', { namespace: NS, timeoutMs: 60_000 });

  await ck.check(`client's /etc/resolv.conf: nameserver ${plan.dnsIp}, search ${NS}.svc.${plan.clusterDomain} svc.${plan.clusterDomain} ${plan.clusterDomain}, options ndots:5 [kubelet]`, async () => {
    const conf = await podFile(cl, 'client', '/etc/resolv.conf', NS);
    const lines = conf.split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(lines.filter((l) => l.startsWith('nameserver')), [`nameserver ${plan.dnsIp}`], conf);
    assert.ok(lines.includes(`search ${NS}.svc.${plan.clusterDomain} svc.${plan.clusterDomain} ${plan.clusterDomain}`), conf);
    assert.ok(lines.some((l) => l.startsWith('options') && l.includes('ndots:5')), conf);
  });
  await ck.check(`client (started after the Service) has WEB_SERVICE_HOST=${webIp} and WEB_SERVICE_PORT=8080 [kubelet]`, async () => {
    const r = await cl.skiff('exec', '-n', NS, 'client', '--', 'env');
    assert.equal(r.code, 0, showRun(r));
    const env = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(env.get('WEB_SERVICE_HOST'), webIp, r.stdout);
    assert.equal(env.get('WEB_SERVICE_PORT'), '8080', r.stdout);
  });
  await ck.check(`... and Kubernetes' other service variables: WEB_SERVICE_PORT_HTTP=8080, WEB_PORT=tcp://${webIp}:8080, WEB_PORT_8080_TCP_ADDR [kubelet]`, async () => {
    const r = await cl.skiff('exec', '-n', NS, 'client', '--', 'env');
    const env = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(env.get('WEB_SERVICE_PORT_HTTP'), '8080', r.stdout);
    assert.equal(env.get('WEB_PORT'), `tcp://${webIp}:8080`, r.stdout);
    assert.equal(env.get('WEB_PORT_8080_TCP_ADDR'), webIp, r.stdout);
  });
  await ck.check(`client → http://${webIp}:8080/ (ClusterIP) answers v1 from a web pod [kube-proxy]`, async () => {
    const r = await podGetUntil('client', { host: webIp, port: 8080 }, isV('v1'), 'GET ClusterIP from client');
    assert.ok(pods.some((p) => nameOf(p) === servedBy(r.body)), r.body);
  });
  await ck.check(`the DNS server answers A ${fqdn} = ${webIp}, asked directly from the host [dns]`, async () => {
    const a = await dnsA(must(plan.dns, 'DNS listener'), fqdn);
    assert.deepEqual(a.addresses, [webIp], a.error ?? '');
  });
  await ck.check(`... and SRV _http._tcp.${fqdn} → port 8080 on ${fqdn} [dns]`, async () => {
    const s = await dnsSrv(must(plan.dns, 'DNS listener'), `_http._tcp.${fqdn}`);
    assert.deepEqual(s.records.map((r) => `${r.port} ${r.name.replace(/\.$/, '')}`), [`8080 ${fqdn}`], s.error ?? '');
  });
  await ck.check(`... and NXDOMAIN for nope.${NS}.svc.${plan.clusterDomain} [dns]`, async () => {
    const a = await dnsA(must(plan.dns, 'DNS listener'), `nope.${NS}.svc.${plan.clusterDomain}`);
    assert.match(a.error ?? 'no error', /ENOTFOUND|NXDOMAIN/, JSON.stringify(a));
  });
  await ck.check(`client: nslookup ${fqdn} through ${plan.dnsIp} (kube-dns ClusterIP) answers ${webIp} [kube-proxy → dns; kubelet resolv.conf]`, async () => {
    const r = await waitFor(async () => {
      const x = await nslookupFromPod(cl, 'client', fqdn, { namespace: NS });
      if (!x.addresses.includes(webIp)) throw new Error(x.output);
      return x;
    }, { timeoutMs: 20_000, intervalMs: 1000, what: `nslookup ${fqdn} in client` });
    assert.deepEqual(r.addresses, [webIp], r.output);
  });
  await ck.check(`client → http://${fqdn}:8080/ answers v1 [dns + kube-proxy]`, async () => {
    await podGetUntil('client', { host: fqdn, port: 8080 }, isV('v1'), `GET ${fqdn} from client`);
  });
  await ck.check('client → http://web:8080/ (short name, search path) answers v1 [kubelet resolv.conf + dns + kube-proxy]', async () => {
    await podGetUntil('client', { host: 'web', port: 8080 }, isV('v1'), 'GET http://web:8080/ from client');
  });
  await ck.check('client: `wget -q -O- http://web:8080/` prints the v1 page, as a user types it [kubelet resolv.conf + dns + kube-proxy]', async () => {
    const body = await waitFor(() => wgetFromPod(cl, 'client', 'http://web:8080/', { namespace: NS }), { timeoutMs: 15_000, intervalMs: 1000, what: 'wget http://web:8080/ in client' });
    assert.equal(versionOf(body), 'v1', body);
  });
  await ck.check('both web pods get traffic through the ClusterIP (20 requests) [kube-proxy]', async () => {
    const { responses } = await httpFromPodN(cl, 'client', { host: webIp, port: 8080 }, 20, { namespace: NS, timeoutSeconds: 3 });
    const seen = tally(responses);
    assert.ok(responses.every((r) => r.status === 200), show(seen));
    for (const p of pods) assert.ok(seen.has(nameOf(p)), `${nameOf(p)} answered at least once: ${show(seen)}`);
  });
});

step('NodePort: `skiff expose deployment/hello --port 8080 --type NodePort` answers on every node address from the host; `skiff get svc` columns; LoadBalancer status lists the node addresses', 180_000, NS, async (t, ck) => {
  const cl = c();
  const plan = cl.network();
  await applyFileIn(cl, fixture('hello.yaml'), NS);
  await readyPods(cl, NS, 'app=hello', 2);
  const exposed = await cl.skiff('expose', 'deployment/hello', '-n', NS, '--port', '8080', '--type', 'NodePort');
  assert.equal(exposed.code, 0, showRun(exposed));
  assert.match(exposed.stdout, /service\/hello exposed/, showRun(exposed));
  const svc = await service(cl, NS, 'hello');
  const nodePort = must(svc.spec.ports?.[0]?.nodePort, 'spec.ports[0].nodePort');
  const addrs = (await nodes()).map((n) => must(internalIp(n), `${nameOf(n)} InternalIP`));
  t.diagnostic(`hello: ClusterIP ${svc.spec.clusterIP ?? '-'} nodePort ${nodePort}; node addresses ${addrs.join(' ')}`);

  await ck.check(`expose made a NodePort Service selecting app=hello, port 8080 → 8080, nodePort ${nodePort} inside ${plan.nodePortRange} [cli + apiserver]`, () => {
    assert.equal(svc.spec.type, 'NodePort');
    assert.deepEqual(svc.spec.selector, { app: 'hello' });
    assert.equal(svc.spec.ports?.[0]?.port, 8080);
    assert.equal(String(svc.spec.ports?.[0]?.targetPort ?? 8080), '8080');
    const [lo, hi] = plan.nodePortRange.split('-').map(Number);
    assert.ok(nodePort >= (lo ?? 0) && nodePort <= (hi ?? 0), `${nodePort} in ${plan.nodePortRange}`);
  });
  if (plan.proxyNodeAddresses) {
    await ck.check(`kube-proxy's --node-addresses (${plan.proxyNodeAddresses.join(',')}) are the nodes' InternalIPs [cli]`, () => {
      assert.ok(sameSet(plan.proxyNodeAddresses ?? [], addrs), `${plan.proxyNodeAddresses?.join(',') ?? ''} vs ${addrs.join(',')}`);
    });
  }
  for (const ip of addrs) {
    await ck.check(`GET http://${ip}:${nodePort}/ from the host answers v2 [kube-proxy]`, async () => {
      await hostGetUntil(ip, nodePort, '/', (s, b) => s === 200 && versionOf(b) === 'v2', `NodePort ${ip}:${nodePort}`);
    });
  }
  await ck.check(`skiff get svc: hello NodePort ${svc.spec.clusterIP ?? '-'} <none> 8080:${nodePort}/TCP [cli]`, async () => {
    const row = await getRow('svc', 'hello');
    assert.equal(row['TYPE'], 'NodePort', JSON.stringify(row));
    assert.equal(row['CLUSTER-IP'], svc.spec.clusterIP, JSON.stringify(row));
    assert.equal(row['EXTERNAL-IP'], '<none>', JSON.stringify(row));
    assert.equal(row['PORT(S)'], `8080:${nodePort}/TCP`, JSON.stringify(row));
  });

  await applyFileIn(cl, fixture('hello-lb.yaml'), NS);
  const ready = (await cl.readyNodes()).filter((n) => cl.nodes.includes(n));
  const readyAddrs = (await nodes()).filter((n) => ready.includes(nameOf(n))).map((n) => must(internalIp(n), 'InternalIP'));
  let lb: Service | undefined;
  await ck.check(`Service hello-lb (LoadBalancer): status.loadBalancer.ingress = the Ready nodes' addresses ${readyAddrs.join(', ')} [controller-manager: service controller]`, async () => {
    lb = await waitFor(
      async () => {
        const s = await service(cl, NS, 'hello-lb');
        const got = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '?');
        if (!sameSet(got, readyAddrs)) throw new Error(`status.loadBalancer: ${JSON.stringify(s.status?.loadBalancer ?? {})}`);
        return s;
      },
      { timeoutMs: 20_000, what: 'hello-lb status.loadBalancer.ingress' },
    );
  });
  await ck.check('skiff get svc -o wide: hello-lb LoadBalancer, EXTERNAL-IP the node addresses, PORT(S) 8081:<nodePort>/TCP [cli]', async () => {
    // Without -o wide kubectl cuts EXTERNAL-IP to 16 characters ("127.5.213.2,1..."): the list is checked wide.
    const s = lb ?? (await service(cl, NS, 'hello-lb'));
    const row = await getRow('svc', 'hello-lb', ['-o', 'wide']);
    assert.equal(row['TYPE'], 'LoadBalancer', JSON.stringify(row));
    assert.ok(sameSet((row['EXTERNAL-IP'] ?? '').split(','), readyAddrs), JSON.stringify(row));
    assert.equal(row['PORT(S)'], `8081:${s.spec.ports?.[0]?.nodePort ?? '?'}/TCP`, JSON.stringify(row));
  });
  await ck.check('GET <load-balancer ip>:8081 from the host answers v2 on each listed address [kube-proxy: load-balancer addresses]', async () => {
    for (const ip of readyAddrs) await hostGetUntil(ip, 8081, '/', (s, b) => s === 200 && versionOf(b) === 'v2', `LoadBalancer ${ip}:8081`);
  });
});

step('Ingress: /api → Service api (v1), /web → Service site (v2); unmatched path 404; a missing Service or one without endpoints 503; `skiff get ingress` shows the address', 180_000, NS, async (t, ck) => {
  const cl = c();
  const plan = cl.network();
  await applyFileIn(cl, fixture('ingress.yaml'), NS);
  await readyPods(cl, NS, 'app=api', 2);
  await readyPods(cl, NS, 'app=site', 2);

  let address = '';
  await ck.check('Ingress routes gets status.loadBalancer.ingress[0].ip, the controller\'s publish address [ingress-controller]', async () => {
    const ing = await waitFor(
      async () => {
        const i = await cl.client.get<Ingress>('ingresses', NS, 'routes');
        return i.status?.loadBalancer?.ingress?.[0]?.ip ? i : undefined;
      },
      { timeoutMs: 30_000, what: 'status.loadBalancer.ingress on Ingress routes' },
    );
    address = must(ing.status?.loadBalancer?.ingress?.[0]?.ip, 'ingress ip');
    if (plan.ingressPublishAddress) assert.equal(address, plan.ingressPublishAddress);
  });
  const listener: Listener = { host: address && isLocalAddress(address) ? address : must(plan.ingress, 'ingress listener (state.json)').host, port: must(plan.ingress, 'ingress listener (state.json)').port };
  t.diagnostic(`ingress: status address ${address || '-'}, sending to ${listener.host}:${listener.port}`);
  const get = (path: string, ok: (s: number, b: string) => boolean, what: string): Promise<{ status: number; body: string }> =>
    hostGetUntil(listener.host, listener.port, path, ok, what);

  await ck.check(`GET ${listener.host}:${listener.port}/api → 200 from Service api (v1) [ingress-controller]`, async () => {
    const r = await get('/api', (s, b) => s === 200 && /service api, demo-web v1/.test(b), '/api through the ingress');
    assert.match(r.body, /pod api-/);
  });
  await ck.check('GET /web → 200 from Service site (v2), its port named "http" [ingress-controller]', async () => {
    await get('/web', (s, b) => s === 200 && /service site, demo-web v2/.test(b), '/web through the ingress');
  });
  await ck.check('GET /nothing-here → 404 [ingress-controller]', async () => {
    await get('/nothing-here', (s) => s === 404, '/nothing-here → 404');
  });
  await ck.check('GET /apiary → 404 (Prefix /api matches /api and /api/..., not /apiary) [ingress-controller]', async () => {
    const r = await get('/apiary', (s) => s === 404, '/apiary → 404');
    assert.doesNotMatch(r.body, /service api/);
  });
  await ck.check('GET /missing (Service no-such-service) → 503 [ingress-controller]', async () => {
    await get('/missing', (s) => s === 503, '/missing → 503');
  });
  await ck.check('GET /empty (Service without ready endpoints) → 503 [ingress-controller]', async () => {
    await get('/empty', (s) => s === 503, '/empty → 503');
  });
  await ck.check('both api pods get traffic through the ingress, and /api still answers after the bad routes [ingress-controller]', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await httpGet(listener.host, listener.port, '/api', { timeoutMs: 3000, allowedCidrs: [`${listener.host}/32`] });
      assert.equal(r.status, 200, r.body);
      const pod = /pod (\S+)/.exec(r.body)?.[1];
      if (pod) seen.add(pod);
    }
    assert.equal(seen.size, 2, `api pods seen: ${[...seen].join(' ')}`);
  });
  await ck.check('skiff get ingress: routes, CLASS skiff, ADDRESS the published address [cli]', async () => {
    const r = await cl.skiff('get', 'ingress', '-n', NS);
    assert.equal(r.code, 0, showRun(r));
    const row = rowNamed(r.stdout, 'routes');
    assert.ok(row, r.stdout);
    assert.equal(row['CLASS'], 'skiff', r.stdout);
    assert.equal(row['ADDRESS'], address, r.stdout);
    assert.deepEqual(Object.keys(parseTable(r.stdout)[0] ?? {}), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], r.stdout);
  });
});

step('readiness: a pod whose probe fails leaves the endpoints (notReadyAddresses, slice ready=false) and gets no traffic; fixed, it comes back', 240_000, NS, async (_t, ck) => {
  const cl = c();
  await applyFileIn(cl, fixture('flaky.yaml'), NS);
  const pods = await readyPods(cl, NS, 'app=flaky', 2);
  const [bad, good] = pods as [Pod, Pod];
  const badIp = must(bad.status?.podIP, 'podIP');
  const goodIp = must(good.status?.podIP, 'podIP');
  await endpointsBecome(cl, NS, 'flaky', { ready: [badIp, goodIp], notReady: [] });
  const svcIp = must((await service(cl, NS, 'flaky')).spec.clusterIP, 'flaky clusterIP');

  // Traffic goes to the ClusterIP, not the name: this step is about endpoints and kube-proxy, not DNS.
  await ck.check(`before: both pods answer through the ClusterIP ${svcIp} (20 requests) [kube-proxy]`, async () => {
    const seen = await waitFor(async () => {
      const { responses } = await httpFromPodN(cl, 'client', { host: svcIp, port: 8080 }, 20, { namespace: NS, timeoutSeconds: 2 });
      const m = tally(responses);
      if (!m.has(nameOf(bad)) || !m.has(nameOf(good))) throw new Error(show(m));
      return m;
    }, { timeoutMs: 30_000, what: 'both flaky pods answering through the Service' });
    assert.ok(seen.size === 2, show(seen));
  });

  const rm = await cl.skiff('exec', '-n', NS, nameOf(bad), '--', 'rm', '/www/healthz');
  assert.equal(rm.code, 0, showRun(rm));
  await ck.check(`${nameOf(bad)} goes Ready=False [kubelet: readiness probe]`, async () => {
    await waitFor(async () => {
      const p = await cl.client.get<Pod>('pods', NS, nameOf(bad));
      return p.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'False';
    }, { timeoutMs: 20_000, what: `${nameOf(bad)} Ready=False` });
  });
  await ck.check(`Endpoints flaky: ${badIp} moves to notReadyAddresses [controller-manager: endpoints]`, async () => {
    await endpointsBecome(cl, NS, 'flaky', { ready: [goodIp], notReady: [badIp] }, 20_000);
  });
  await ck.check(`EndpointSlice of flaky: ${badIp} ready=false [controller-manager: endpointslice]`, async () => {
    await slicesBecome(cl, NS, 'flaky', { ready: [goodIp], notReady: [badIp] }, 20_000);
  });
  await ck.check(`30 requests to the ClusterIP ${svcIp}:8080 all answered by ${nameOf(good)} [kube-proxy]`, async () => {
    // kube-proxy applies a change within a second: allow it that, then every request must avoid the pod.
    await waitFor(async () => {
      const { responses } = await httpFromPodN(cl, 'client', { host: svcIp, port: 8080 }, 5, { namespace: NS, timeoutSeconds: 2 });
      return responses.every((r) => servedBy(r.body) === nameOf(good));
    }, { timeoutMs: 10_000, what: 'traffic to leave the unready pod' });
    const { responses } = await httpFromPodN(cl, 'client', { host: svcIp, port: 8080 }, 30, { namespace: NS, timeoutSeconds: 2 });
    const m = tally(responses);
    assert.deepEqual([...m.keys()], [nameOf(good)], show(m));
  });

  const fix = await cl.skiff('exec', '-n', NS, nameOf(bad), '--', 'sh', '-c', 'echo ok > /www/healthz');
  assert.equal(fix.code, 0, showRun(fix));
  await ck.check(`fixed: ${badIp} is back in the Endpoints' addresses and ready in the slice [kubelet + controller-manager]`, async () => {
    await endpointsBecome(cl, NS, 'flaky', { ready: [badIp, goodIp], notReady: [] }, 20_000);
    await slicesBecome(cl, NS, 'flaky', { ready: [badIp, goodIp], notReady: [] }, 20_000);
  });
  await ck.check(`fixed: ${nameOf(bad)} answers through the ClusterIP again [kube-proxy]`, async () => {
    await waitFor(async () => {
      const { responses } = await httpFromPodN(cl, 'client', { host: svcIp, port: 8080 }, 20, { namespace: NS, timeoutSeconds: 2 });
      const m = tally(responses);
      if (!m.has(nameOf(bad))) throw new Error(show(m));
      return true;
    }, { timeoutMs: 20_000, what: `${nameOf(bad)} answering through the Service again` });
  });
});

step('headless Service: DNS answers the ready pod IPs; selector-less Service with hand-written Endpoints forwards to them', 240_000, NS, async (_t, ck) => {
  const cl = c();
  const plan = cl.network();
  await applyFileIn(cl, fixture('headless.yaml'), NS);
  const webPods = await readyPods(cl, NS, 'app=web', 2);
  const webIps = webPods.map((p) => must(p.status?.podIP, 'podIP')).sort();
  const fqdn = `web-headless.${NS}.svc.${plan.clusterDomain}`;

  await ck.check('web-headless has clusterIP None [apiserver]', async () => {
    assert.equal((await service(cl, NS, 'web-headless')).spec.clusterIP, 'None');
  });
  await ck.check(`the DNS server answers A ${fqdn} = the web pods ${webIps.join(' ')} [dns]`, async () => {
    await waitFor(async () => {
      const a = await dnsA(must(plan.dns, 'DNS listener'), fqdn);
      if (!sameSet(a.addresses, webIps)) throw new Error(JSON.stringify(a));
      return true;
    }, { timeoutMs: 20_000, what: `A ${fqdn}` });
  });
  await ck.check(`client: nslookup ${fqdn} answers the pod IPs [kube-proxy → dns]`, async () => {
    const r = await nslookupFromPod(cl, 'client', fqdn, { namespace: NS });
    assert.ok(sameSet(r.addresses, webIps), r.output);
  });
  await ck.check('client → http://web-headless:8080/ reaches a web pod directly [dns]', async () => {
    const r = await podGetUntil('client', { host: 'web-headless', port: 8080 }, isV('v1'), 'GET web-headless from client');
    assert.ok(webPods.some((p) => nameOf(p) === servedBy(r.body)), r.body);
  });

  const a = await cl.client.get<Pod>('pods', NS, 'net-a');
  const ipA = must(a.status?.podIP, 'net-a podIP');
  await applyTemplate(cl, fixture('manual-endpoints.yaml'), { IP: ipA }, NS);
  const manual = await service(cl, NS, 'manual');
  await ck.check(`the Endpoints manual are kept as written (${ipA}:8080), not emptied by the endpoints controller [controller-manager: endpoints]`, async () => {
    await new Promise((r) => setTimeout(r, 2000));
    const ep = await endpointsOf(cl, NS, 'manual');
    assert.deepEqual(ep?.ready, [ipA], JSON.stringify(ep));
  });
  await ck.check('an EndpointSlice mirrors them (managed-by endpointslicemirroring-controller.k8s.io) [controller-manager: mirroring]', async () => {
    const eps = await slicesBecome(cl, NS, 'manual', { ready: [ipA] }, 20_000);
    assert.ok(eps.every((e) => e.managedBy === 'endpointslicemirroring-controller.k8s.io'), JSON.stringify(eps));
  });
  const manualIp = must(manual.spec.clusterIP, 'manual clusterIP');
  await ck.check(`client → http://${manualIp}:8080/ (ClusterIP of manual) answers from net-a [kube-proxy]`, async () => {
    const r = await podGetUntil('client', { host: manualIp, port: 8080 }, (x) => x.status === 200, 'GET manual ClusterIP from client');
    assert.equal(servedBy(r.body), 'net-a', r.body);
  });
  await ck.check('client → http://manual:8080/ (by name) answers from net-a [dns]', async () => {
    const r = await podGetUntil('client', { host: 'manual', port: 8080 }, (x) => x.status === 200, 'GET manual from client');
    assert.equal(servedBy(r.body), 'net-a', r.body);
  });
});

step('bad input: a port out of range, a NodePort in use, a ClusterIP outside the range are refused clearly and nothing is made; a malformed DNS query gets FORMERR and the server keeps serving', 120_000, NS, async (_t, ck) => {
  const cl = c();
  const plan = cl.network();
  const hello = await service(cl, NS, 'hello');
  const usedNodePort = must(hello.spec.ports?.[0]?.nodePort, 'hello nodePort');
  const svc = (name: string, spec: Record<string, unknown>): string => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { e2e: 'networking' } }, spec: { selector: { app: 'hello' }, ...spec } });
  const refused = async (name: string, manifest: string, ...patterns: RegExp[]): Promise<void> => {
    const r = await cl.skiffWith(['apply', '-n', NS, '-f', '-'], { stdin: manifest });
    assert.ok(!r.timedOut && r.code !== 0 && r.code !== null, `expected a refusal:\n${showRun(r)}`);
    for (const re of patterns) assert.match(`${r.stdout}${r.stderr}`, re, showRun(r));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+:\d+/, `a stack trace is not a clear error:\n${showRun(r)}`);
    assert.equal(await getOrUndefined<Service>(cl.client, 'services', NS, name), undefined, `${name} was not created`);
  };
  await ck.check('port 70000 → Invalid, naming spec.ports[0].port [apiserver]', async () => {
    await refused('bad-port', svc('bad-port', { ports: [{ port: 70000 }] }), /spec\.ports\[0\]\.port/, /65535|range|between/i);
  });
  await ck.check(`nodePort ${usedNodePort} (hello's) → refused as already allocated [apiserver]`, async () => {
    await refused('dup-nodeport', svc('dup-nodeport', { type: 'NodePort', ports: [{ port: 8080, nodePort: usedNodePort }] }), /spec\.ports\[0\]\.nodePort/, new RegExp(`${usedNodePort}.*(allocated|in use)|(allocated|in use).*${usedNodePort}`, 'i'));
  });
  await ck.check(`clusterIP 203.0.113.7 (outside ${plan.serviceRange}) → Invalid, naming spec.clusterIP and the range [apiserver]`, async () => {
    await refused('bad-ip', svc('bad-ip', { clusterIP: '203.0.113.7', ports: [{ port: 8080 }] }), /spec\.clusterIPs?/, new RegExp(plan.serviceRange.replace(/[./]/g, (ch) => `\\${ch}`)));
  });
  await ck.check('a truncated DNS query (header says 1 question, none follows) → FORMERR; a good query after it is answered [dns]', async () => {
    const server = must(plan.dns, 'DNS listener');
    // id 0xbeef, RD, QDCOUNT 1, then 3 bytes of a name that never ends.
    const reply = await udpExchange(server, Buffer.from([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x61, 0x62]));
    assert.ok(reply && reply.length >= 4, 'an answer came back');
    assert.equal(reply.readUInt16BE(0), 0xbeef, 'with the query id');
    assert.equal(reply[3]! & 0x0f, 1, `RCODE 1 (FORMERR), got ${reply[3]! & 0x0f}`);
    const a = await dnsA(server, `web.${NS}.svc.${plan.clusterDomain}`);
    assert.deepEqual(a.addresses, [webIp], a.error ?? '');
  });
});

/** One UDP datagram to the listener and its first answer (undefined after 3 s). */
function udpExchange(to: Listener, payload: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (b: Buffer | undefined): void => {
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    const timer = setTimeout(() => done(undefined), 3000);
    sock.on('message', (msg) => done(msg));
    sock.on('error', () => done(undefined));
    sock.send(payload, to.port, to.host);
  });
}

suite.step('skiff down leaves nothing of the cluster: processes, containers, networks, iptables chains and DOCKER-USER rules, routes, ClusterIPs on lo', 240_000, async (t) => {
  const cl = c();
  // `after` keeps the logs of a failed run, but the cluster is gone by then: keep them now.
  if (suite.failed() > 0) t.diagnostic(`cluster logs kept in ${cl.saveLogs()}`);
  const report = await cl.down();
  t.diagnostic(`teardown: ${JSON.stringify(report.leftoverNetwork)}`);
  assert.ok(report.down, 'skiff down ran');
  assert.equal(report.down.code, 0, showRun(report.down));
  assert.deepEqual(report.leftoverProcesses, [], 'processes left running after skiff down [cli]');
  assert.deepEqual(report.leftoverContainers, [], 'containers left after skiff down [cli/kubelet]');
  assert.deepEqual(report.leftoverNetworks, [], 'networks left after skiff down [cli/kubelet]');
  assert.deepEqual(report.leftoverNetwork.iptables, [], 'iptables rules left after skiff down (kube-proxy chains: [kube-proxy/cli]; DOCKER-USER: [kubelet/cli])');
  assert.deepEqual(report.leftoverNetwork.routes, [], 'routes to the pod CIDRs left after skiff down [kubelet]');
  assert.deepEqual(report.leftoverNetwork.loAddresses, [], 'ClusterIPs left on lo after skiff down [kube-proxy userspace]');
});
