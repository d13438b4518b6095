import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '@skiff/api';
import type { EndpointInfo } from '../endpoints.js';
import { servicePortsOf, type ServicePortInfo } from '../service-port.js';
import { service } from '../testing/objects.js';
import { ChainNames, validateChainPrefix } from './chain-names.js';
import { buildProxyRules, LARGE_CLUSTER_ENDPOINTS, probability, type RulesInput } from './proxy-rules.js';

const names = new ChainNames('SKIFF');

function input(services: Service[], endpoints: Record<string, string[]>, extra: Partial<RulesInput> = {}): RulesInput {
  const svcMap = new Map<string, ServicePortInfo>();
  for (const s of services) for (const [k, v] of servicePortsOf(s)) svcMap.set(k, v);
  const epMap = new Map<string, EndpointInfo[]>();
  for (const [k, list] of Object.entries(endpoints))
    epMap.set(
      k,
      list.map((e) => {
        const [ip, port] = e.split(':');
        return { ip: ip as string, port: Number(port) };
      }),
    );
  return { names, services: svcMap, endpoints: epMap, nodeAddresses: [], masqueradeAll: false, masqueradeMark: '0x4000', localhostNodePorts: true, randomFully: true, ...extra };
}

const web = service('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }] });
const svcChain = names.service('default/web:http', 'tcp');

describe('chain names', () => {
  it("hash like Kubernetes' (KUBE-SVC-XPGD46QRK7WJZT7O for ns1/svc1:p80 tcp)", () => {
    const kube = new ChainNames('KUBE');
    assert.equal(kube.service('ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(kube.endpoint('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  });

  it('keep every name within 28 characters and recognise only their own prefix', () => {
    const long = new ChainNames('ABCDEFGHIJKLMNO');
    for (const n of [long.service('a/b:c', 'tcp'), long.endpoint('a/b:c', 'tcp', '1.2.3.4:5'), long.fixed('postrouting'), long.fixed('markMasq')]) assert.ok(n.length <= 28, n);
    assert.equal(validateChainPrefix('ABCDEFGHIJKLMNOP')?.includes('longer than 15'), true);
    assert.ok(validateChainPrefix('-X'));
    const other = new ChainNames('SKIFF-T');
    assert.equal(names.owns(other.service('a/b', 'tcp')), false);
    assert.equal(names.owns(other.fixed('services')), false);
    assert.equal(names.owns(names.service('a/b', 'tcp')), true);
    assert.equal(names.owns('SKIFF-SERVICES'), true);
    assert.equal(names.owns('DOCKER'), false);
  });
});

describe('buildProxyRules', () => {
  it('sends a ClusterIP to its service chain, which picks an endpoint with 1/n probabilities', () => {
    const r = buildProxyRules(input([web], { 'default/web:http/TCP': ['10.244.1.2:8080', '10.244.1.3:8080', '10.244.2.4:8080'] }));
    assert.ok(r.natRules.includes(`-A SKIFF-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j ${svcChain}`));
    const picks = r.natRules.filter((l) => l.startsWith(`-A ${svcChain}`) && l.includes('SKIFF-SEP-'));
    assert.equal(picks.length, 3);
    assert.match(picks[0] as string, /--probability 0\.3333333333 -j SKIFF-SEP-/);
    assert.match(picks[1] as string, /--probability 0\.5000000000 -j SKIFF-SEP-/);
    assert.doesNotMatch(picks[2] as string, /statistic/);
    const sep = names.endpoint('default/web:http', 'tcp', '10.244.1.3:8080');
    assert.ok(r.natChains.includes(`:${sep} - [0:0]`));
    assert.ok(r.natRules.includes(`-A ${sep} -m comment --comment default/web:http -s 10.244.1.3 -j SKIFF-MARK-MASQ`), 'hairpin traffic is masqueraded');
    assert.ok(r.natRules.includes(`-A ${sep} -m comment --comment default/web:http -m tcp -p tcp -j DNAT --to-destination 10.244.1.3:8080`));
    assert.equal(r.endpoints, 3);
    assert.equal(probability(4), '0.2500000000');
  });

  it('REJECTs a ClusterIP and NodePort with no ready endpoint in the filter table, and makes no nat chain for it', () => {
    const np = service('np', { clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30080, protocol: 'UDP' }] });
    const r = buildProxyRules(input([np], {}, { nodeAddresses: ['127.0.0.2', '192.0.2.2'] }));
    assert.ok(r.filterRules.includes('-A SKIFF-SERVICES -m comment --comment "default/np has no endpoints" -m udp -p udp -d 10.96.0.20 --dport 80 -j REJECT'));
    assert.ok(r.filterRules.includes('-A SKIFF-EXTERNAL -m comment --comment "default/np has no endpoints" -d 127.0.0.2 -m udp -p udp --dport 30080 -j REJECT'));
    assert.ok(r.filterRules.includes('-A SKIFF-EXTERNAL -m comment --comment "default/np has no endpoints" -d 192.0.2.2 -m udp -p udp --dport 30080 -j REJECT'));
    assert.equal(r.natChains.some((c) => c.includes('-SVC-') || c.includes('-EXT-')), false);
  });

  it('serves NodePorts on the node addresses only, through an EXT chain that marks for masquerade', () => {
    const np = service('np', { clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30080 }] });
    const ext = names.external('default/np', 'tcp');
    const svc = names.service('default/np', 'tcp');
    const r = buildProxyRules(input([np], { 'default/np/TCP': ['10.244.1.2:8080'] }, { nodeAddresses: ['127.0.0.2', '127.0.0.3'] }));
    assert.ok(r.natRules.includes(`-A SKIFF-NODEPORTS -m comment --comment default/np -m tcp -p tcp --dport 30080 -j ${ext}`));
    assert.ok(r.natRules.includes(`-A ${ext} -m comment --comment "masquerade traffic for default/np external destinations" -j SKIFF-MARK-MASQ`));
    assert.ok(r.natRules.includes(`-A ${ext} -j ${svc}`));
    const last = r.natRules.filter((l) => l.startsWith('-A SKIFF-SERVICES')).slice(-2);
    assert.deepEqual(
      last.map((l) => l.replace(/.* -d (\S+) -j (\S+)$/, '$1 $2')),
      ['127.0.0.2 SKIFF-NODEPORTS', '127.0.0.3 SKIFF-NODEPORTS'],
      'the NodePort jumps come last in SKIFF-SERVICES',
    );
    const noLocal = buildProxyRules(input([np], { 'default/np/TCP': ['10.244.1.2:8080'] }, { nodeAddresses: ['127.0.0.2', '192.0.2.2'], localhostNodePorts: false }));
    assert.deepEqual(
      noLocal.natRules.filter((l) => l.endsWith('-j SKIFF-NODEPORTS')).map((l) => l.replace(/.* -d (\S+) .*/, '$1')),
      ['192.0.2.2'],
      'without route_localnet, loopback node addresses are not served',
    );
  });

  it('captures load-balancer and external IPs on the service port', () => {
    const lb = service('lb', { clusterIP: '10.96.0.30', ports: [{ port: 8080, nodePort: 30081 }], type: 'LoadBalancer', loadBalancerIPs: ['127.0.0.2'], externalIPs: ['192.0.2.50'] });
    const ext = names.external('default/lb', 'tcp');
    const r = buildProxyRules(input([lb], { 'default/lb/TCP': ['10.244.1.2:80'] }));
    assert.ok(r.natRules.includes(`-A SKIFF-SERVICES -m comment --comment "default/lb loadbalancer IP" -m tcp -p tcp -d 127.0.0.2 --dport 8080 -j ${ext}`));
    assert.ok(r.natRules.includes(`-A SKIFF-SERVICES -m comment --comment "default/lb external IP" -m tcp -p tcp -d 192.0.2.50 --dport 8080 -j ${ext}`));
    const none = buildProxyRules(input([lb], {}));
    assert.ok(none.filterRules.includes('-A SKIFF-EXTERNAL -m comment --comment "default/lb has no endpoints" -m tcp -p tcp -d 127.0.0.2 --dport 8080 -j REJECT'));
  });

  it('masquerades ClusterIP traffic from outside the cluster CIDR, all of it, or from loopback by default', () => {
    const eps = { 'default/web:http/TCP': ['10.244.1.2:8080'] };
    const masq = (r: ReturnType<typeof buildProxyRules>): string | undefined => r.natRules.find((l) => l.startsWith(`-A ${svcChain}`) && l.endsWith('-j SKIFF-MARK-MASQ'));
    assert.match(masq(buildProxyRules(input([web], eps, { clusterCidr: '10.244.0.0/16' }))) ?? '', /--dport 80 ! -s 10\.244\.0\.0\/16 -j SKIFF-MARK-MASQ$/);
    assert.match(masq(buildProxyRules(input([web], eps, { masqueradeAll: true }))) ?? '', /--dport 80 -j SKIFF-MARK-MASQ$/);
    assert.match(masq(buildProxyRules(input([web], eps))) ?? '', /--dport 80 -s 127\.0\.0\.0\/8 -j SKIFF-MARK-MASQ$/);
  });

  it('implements ClientIP affinity with the recent module, as Kubernetes', () => {
    const sticky = service('web', { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80 }], sessionAffinity: { timeoutSeconds: 600 } });
    const r = buildProxyRules(input([sticky], { 'default/web:http/TCP': ['10.244.1.2:8080', '10.244.1.3:8080'] }));
    const sep = names.endpoint('default/web:http', 'tcp', '10.244.1.2:8080');
    assert.ok(r.natRules.includes(`-A ${svcChain} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m recent --name ${sep} --rcheck --seconds 600 --reap -j ${sep}`));
    assert.ok(r.natRules.includes(`-A ${sep} -m comment --comment default/web:http -m recent --name ${sep} --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080`));
    const rcheck = r.natRules.findIndex((l) => l.includes('--rcheck'));
    const random = r.natRules.findIndex((l) => l.includes('statistic'));
    assert.ok(rcheck < random, 'affinity rules come before the random choice');
  });

  it('writes the masquerade machinery, forwarding and localnet firewall', () => {
    const r = buildProxyRules(input([], {}));
    assert.deepEqual(r.natRules.filter((l) => l.startsWith('-A SKIFF-POSTROUTING') || l.startsWith('-A SKIFF-MARK-MASQ')), [
      '-A SKIFF-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A SKIFF-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A SKIFF-POSTROUTING -m comment --comment "service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A SKIFF-MARK-MASQ -j MARK --or-mark 0x4000',
    ]);
    assert.ok(r.filterRules.some((l) => l.startsWith('-A SKIFF-FORWARD') && l.includes('--mark 0x4000/0x4000 -j ACCEPT')));
    assert.ok(r.filterRules.some((l) => l.startsWith('-A SKIFF-FIREWALL') && l.includes('-d 127.0.0.0/8 ! -s 127.0.0.0/8') && l.endsWith('-j DROP')));
    assert.deepEqual([...r.active.nat].sort(), ['SKIFF-MARK-MASQ', 'SKIFF-NODEPORTS', 'SKIFF-POSTROUTING', 'SKIFF-SERVICES']);
  });

  it('is deterministic and leaves comments out of endpoint rules in large clusters', () => {
    const many: Service[] = [];
    const eps: Record<string, string[]> = {};
    for (let i = 0; i < 60; i++) {
      many.push(service(`s${i}`, { clusterIP: `10.96.1.${i}`, ports: [{ port: 80 }] }));
      eps[`default/s${i}/TCP`] = Array.from({ length: 20 }, (_, j) => `10.244.${i}.${j + 2}:8080`);
    }
    assert.ok(60 * 20 > LARGE_CLUSTER_ENDPOINTS);
    const a = buildProxyRules(input(many, eps));
    const b = buildProxyRules(input([...many].reverse(), eps));
    assert.deepEqual(a.natRules, b.natRules);
    assert.equal(a.natRules.some((l) => l.includes('-SEP-') && l.includes('--comment') && l.includes('->')), false);
    assert.equal(a.endpoints, 1200);
  });
});
