import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '@skiff/api';
import { makePod } from '../testing/fixtures.js';
import { formatResolvConf, mergeDNSOptions, parseResolvConf, podDNS, type ClusterDNSSettings } from './dns.js';

const cluster: ClusterDNSSettings = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', host: undefined };

function pod(over: Partial<Pod['spec']> = {}, namespace = 'shop'): Pod {
  const p = makePod({ namespace });
  p.spec = { ...p.spec, ...over };
  return p;
}

describe('pod DNS (resolv.conf)', () => {
  it('ClusterFirst (the default): the cluster DNS, the Kubernetes search path, ndots:5', () => {
    const dns = podDNS(pod(), cluster);
    assert.deepEqual(dns.config, { servers: ['10.96.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] });
    assert.equal(formatResolvConf(dns.config ?? { servers: [], searches: [], options: [] }), 'nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    assert.deepEqual(dns.events, []);
    assert.deepEqual(podDNS(pod({ dnsPolicy: 'ClusterFirstWithHostNet' }), cluster).config, dns.config);
  });

  it('ClusterFirst appends the node\'s search domains (not its nameservers or options), without duplicates', () => {
    const host = parseResolvConf('# node\nnameserver 192.0.2.53\nsearch corp.example cluster.local.\noptions timeout:2\n');
    const dns = podDNS(pod(), { ...cluster, host });
    assert.deepEqual(dns.config?.searches, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example']);
    assert.deepEqual(dns.config?.servers, ['10.96.0.10']);
    assert.deepEqual(dns.config?.options, ['ndots:5']);
  });

  it('Default keeps the runtime\'s resolv.conf; without a cluster DNS ClusterFirst falls back to it with MissingClusterDNS', () => {
    assert.deepEqual(podDNS(pod({ dnsPolicy: 'Default' }), cluster), { events: [] });
    const fallback = podDNS(pod(), { ...cluster, clusterDNS: [] });
    assert.equal(fallback.config, undefined);
    assert.equal(fallback.events[0]?.reason, 'MissingClusterDNS');
    assert.match(fallback.events[0]?.message ?? '', /kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy./);
  });

  it('Default with a dnsConfig merges it into the node\'s resolv.conf', () => {
    const host = parseResolvConf('nameserver 192.0.2.53\nsearch corp.example\n');
    const dns = podDNS(pod({ dnsPolicy: 'Default', dnsConfig: { nameservers: ['192.0.2.54'], options: [{ name: 'edns0' }] } }), { ...cluster, host });
    assert.deepEqual(dns.config, { servers: ['192.0.2.53', '192.0.2.54'], searches: ['corp.example'], options: ['edns0'] });
  });

  it('None uses the dnsConfig only', () => {
    const dns = podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), cluster);
    assert.equal(formatResolvConf(dns.config ?? { servers: [], searches: [], options: [] }), 'nameserver 1.2.3.4\nsearch ns1.svc.cluster-domain.example my.dns.search.suffix\noptions ndots:2 edns0\n');
  });

  it('ClusterFirst with a dnsConfig: nameservers and searches appended, options overridden by name', () => {
    const dns = podDNS(pod({ dnsConfig: { nameservers: ['10.96.0.10', '192.0.2.9'], searches: ['extra.example', 'svc.cluster.local'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] } }), cluster);
    assert.deepEqual(dns.config, {
      servers: ['10.96.0.10', '192.0.2.9'],
      searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'extra.example'],
      options: ['ndots:1', 'single-request'],
    });
  });

  it('cuts what exceeds the limits (3 nameservers, 32 searches, 253-character domains, 2048 characters) with a DNSConfigForming event', () => {
    const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
    searches.push('x'.repeat(254));
    const dns = podDNS(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches } }), cluster);
    assert.deepEqual(dns.config?.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    assert.equal(dns.config?.searches.length, 32);
    assert.deepEqual(
      dns.events.map((e) => e.reason),
      ['DNSConfigForming', 'DNSConfigForming'],
    );
    assert.match(dns.events[0]?.message ?? '', /^Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3$/);
    const long = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(150)}.example`);
    const cut = podDNS(pod({ dnsPolicy: 'None', dnsConfig: { searches: long } }), cluster);
    assert.ok((cut.config?.searches.join(' ').length ?? 0) <= 2048);
    assert.deepEqual(cut.config?.searches, long.slice(0, cut.config?.searches.length));
  });

  it('parses resolv.conf as the resolver does: nameservers add up, the last search and options win', () => {
    assert.deepEqual(parseResolvConf('nameserver 1.1.1.1\nsearch a.example\n; comment\nsearch b.example c.example\nnameserver 2.2.2.2\noptions ndots:1\n'), {
      servers: ['1.1.1.1', '2.2.2.2'],
      searches: ['b.example', 'c.example'],
      options: ['ndots:1'],
    });
    assert.deepEqual(mergeDNSOptions(['ndots:5', 'rotate'], [{ name: 'ndots', value: '2' }, { name: 'timeout', value: '1' }]), ['ndots:2', 'rotate', 'timeout:1']);
  });
});
