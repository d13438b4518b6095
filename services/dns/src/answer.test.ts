import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import dnsPacket, { type Answer, type Packet, type SoaData, type SrvData } from 'dns-packet';
import { answer } from './answer.js';
import { RecordStore } from './record-store.js';
import { endpoint, query, service, slice } from './testing/fixtures.js';
import { EDNS_UDP_SIZE, RCODE, optOf, rcodeOf } from './wire.js';

const NOW = 1_700_000_000_123;

function cluster(): RecordStore {
  const store = new RecordStore({ domain: 'cluster.local', ttl: 30, nameserverIP: '10.96.0.10', now: () => NOW });
  store.setService(
    service('default', 'web', {
      clusterIP: '10.96.0.20',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns', protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 9000 },
      ],
    }),
  );
  store.setService(service('other', 'web', { clusterIP: '10.96.0.30', ports: [{ name: 'http', port: 80 }] }));
  store.setService(service('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  store.setSlice(
    slice('default', 'db', 'db-abcde', [endpoint('10.244.1.5', { hostname: 'db-0' }), endpoint('10.244.2.6'), endpoint('10.244.3.7', { ready: false, hostname: 'db-2' })], [{ name: 'pg', port: 5432, protocol: 'TCP' }]),
  );
  store.setService(service('default', 'empty', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  store.setService(service('default', 'ext', { type: 'ExternalName', externalName: 'Example.COM.' }));
  store.setService(service('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local' }));
  return store;
}

/** The response as a client would see it: through dns-packet's encoder and decoder. */
function ask(store: RecordStore, q: Packet): Packet & { flag_aa: boolean; flag_rd: boolean; flag_ra: boolean } {
  return dnsPacket.decode(dnsPacket.encode(answer(q, store)));
}

const data = (answers: Answer[] | undefined, type: string): unknown[] => (answers ?? []).filter((a) => a.type === type).map((a) => ('data' in a ? a.data : undefined));

describe('answer()', () => {
  let store: RecordStore;
  beforeEach(() => {
    store = cluster();
  });

  describe('Services with a ClusterIP', () => {
    it('answers A <svc>.<ns>.svc.<domain> with the ClusterIP, authoritative, TTL 30, id and RD echoed', () => {
      const q = query('web.default.svc.cluster.local', 'A', { id: 4242 });
      const r = ask(store, q);
      assert.equal(r.id, 4242);
      assert.equal(r.type, 'response');
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.equal(r.flag_aa, true);
      assert.equal(r.flag_rd, true);
      assert.equal(r.flag_ra, false, 'this server does not recurse');
      assert.deepEqual(r.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
      assert.deepEqual(
        r.answers?.map((a) => ({ name: a.name, type: a.type, ttl: 'ttl' in a ? a.ttl : undefined, data: 'data' in a ? a.data : undefined })),
        [{ name: 'web.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.0.20' }],
      );
      assert.deepEqual(r.authorities, []);
    });

    it('compares names case-insensitively, accepts a trailing dot, and answers in the question spelling', () => {
      const r = ask(store, query('WEB.Default.SVC.Cluster.LOCAL.'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(data(r.answers, 'A'), ['10.96.0.20']);
      assert.equal(r.answers?.[0]?.name, 'WEB.Default.SVC.Cluster.LOCAL');
    });

    it('keeps namespaces apart', () => {
      assert.deepEqual(data(ask(store, query('web.other.svc.cluster.local')).answers, 'A'), ['10.96.0.30']);
    });

    it('answers AAAA for a known name with NOERROR, no answers and the SOA (NODATA)', () => {
      const r = ask(store, query('web.default.svc.cluster.local', 'AAAA'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(r.answers, []);
      assert.equal(r.authorities?.length, 1);
      const soa = r.authorities?.[0];
      assert.equal(soa?.type, 'SOA');
      assert.equal(soa?.name, 'cluster.local');
      const d = (soa as { data: SoaData }).data;
      assert.equal(d.mname, 'ns.dns.cluster.local');
      assert.equal(d.rname, 'hostmaster.cluster.local');
      assert.equal(d.minimum, 30);
      assert.equal(d.serial, Math.floor(NOW / 1000));
    });

    it('answers SRV _<port>._<proto> for a named port: priority 0, weight 100, the service port, the service name, its A in additional', () => {
      const r = ask(store, query('_http._tcp.web.default.svc.cluster.local', 'SRV'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(data(r.answers, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
      assert.deepEqual(
        r.additionals?.map((a) => [a.name, a.type, 'data' in a ? a.data : undefined]),
        [['web.default.svc.cluster.local', 'A', '10.96.0.20']],
      );
    });

    it('matches the SRV port name and protocol case-insensitively, and the protocol must match', () => {
      assert.deepEqual(data(ask(store, query('_DNS._UDP.web.default.svc.cluster.local', 'SRV')).answers, 'SRV'), [
        { priority: 0, weight: 100, port: 53, target: 'web.default.svc.cluster.local' },
      ]);
      assert.equal(rcodeOf(ask(store, query('_dns._tcp.web.default.svc.cluster.local', 'SRV'))), RCODE.NXDOMAIN);
      assert.equal(rcodeOf(ask(store, query('_nope._tcp.web.default.svc.cluster.local', 'SRV'))), RCODE.NXDOMAIN);
    });

    it('answers SRV at the Service name with every port, and `_<proto>` above a named port is NODATA', () => {
      const ports = data(ask(store, query('web.default.svc.cluster.local', 'SRV')).answers, 'SRV').map((s) => (s as SrvData).port);
      assert.deepEqual(ports, [80, 53, 9000]);
      const tcp = ask(store, query('_tcp.web.default.svc.cluster.local', 'SRV'));
      assert.equal(rcodeOf(tcp), RCODE.NOERROR);
      assert.deepEqual(tcp.answers, []);
      assert.equal(rcodeOf(ask(store, query('_sctp.web.default.svc.cluster.local', 'SRV'))), RCODE.NXDOMAIN);
    });

    it('answers ANY with the A and SRV records', () => {
      const r = ask(store, query('web.default.svc.cluster.local', 'ANY'));
      assert.deepEqual(data(r.answers, 'A'), ['10.96.0.20']);
      assert.equal(data(r.answers, 'SRV').length, 3);
    });

    it('follows the store: a deleted Service is NXDOMAIN', () => {
      store.deleteService(service('default', 'web', {}));
      assert.equal(rcodeOf(ask(store, query('web.default.svc.cluster.local'))), RCODE.NXDOMAIN);
      assert.deepEqual(data(ask(store, query('web.other.svc.cluster.local')).answers, 'A'), ['10.96.0.30']);
    });
  });

  describe('headless Services', () => {
    it('answers A with the ready endpoint IPs only', () => {
      const r = ask(store, query('db.default.svc.cluster.local'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(data(r.answers, 'A'), ['10.244.1.5', '10.244.2.6']);
    });

    it('answers <hostname>.<svc> and, without a hostname, <dashed-ip>.<svc> for ready endpoints', () => {
      assert.deepEqual(data(ask(store, query('db-0.db.default.svc.cluster.local')).answers, 'A'), ['10.244.1.5']);
      assert.deepEqual(data(ask(store, query('10-244-2-6.db.default.svc.cluster.local')).answers, 'A'), ['10.244.2.6']);
      assert.equal(rcodeOf(ask(store, query('db-2.db.default.svc.cluster.local'))), RCODE.NXDOMAIN, 'not ready');
      assert.equal(rcodeOf(ask(store, query('db-9.db.default.svc.cluster.local'))), RCODE.NXDOMAIN);
    });

    it('answers SRV with one record per ready endpoint, targeting its own name, with the endpoint port', () => {
      const r = ask(store, query('_pg._tcp.db.default.svc.cluster.local', 'SRV'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(data(r.answers, 'SRV'), [
        { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
        { priority: 0, weight: 50, port: 5432, target: '10-244-2-6.db.default.svc.cluster.local' },
      ]);
      assert.deepEqual(
        r.additionals?.map((a) => [a.name, 'data' in a ? a.data : undefined]),
        [
          ['db-0.db.default.svc.cluster.local', '10.244.1.5'],
          ['10-244-2-6.db.default.svc.cluster.local', '10.244.2.6'],
        ],
      );
    });

    it('is NXDOMAIN without ready endpoints (dns-spec 2.4.1), and answers once one is ready', () => {
      assert.equal(rcodeOf(ask(store, query('empty.default.svc.cluster.local'))), RCODE.NXDOMAIN);
      store.setSlice(slice('default', 'empty', 'empty-1', [endpoint('10.244.9.9', { ready: false })]));
      assert.equal(rcodeOf(ask(store, query('empty.default.svc.cluster.local'))), RCODE.NXDOMAIN);
      store.setSlice(slice('default', 'empty', 'empty-1', [endpoint('10.244.9.9')]));
      assert.deepEqual(data(ask(store, query('empty.default.svc.cluster.local')).answers, 'A'), ['10.244.9.9']);
    });
  });

  describe('ExternalName Services', () => {
    it('answers a CNAME to the external name (lower case, no trailing dot) and forwards nothing', () => {
      const r = ask(store, query('ext.default.svc.cluster.local'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(
        r.answers?.map((a) => [a.type, 'data' in a ? a.data : undefined]),
        [['CNAME', 'example.com']],
      );
      assert.deepEqual(r.authorities, [], 'the chain leaves the cluster: no SOA of ours');
    });

    it('follows a CNAME that points inside the cluster domain', () => {
      const r = ask(store, query('alias.default.svc.cluster.local'));
      assert.deepEqual(
        r.answers?.map((a) => [a.name, a.type, 'data' in a ? a.data : undefined]),
        [
          ['alias.default.svc.cluster.local', 'CNAME', 'web.default.svc.cluster.local'],
          ['web.default.svc.cluster.local', 'A', '10.96.0.20'],
        ],
      );
    });

    it('answers NXDOMAIN, with the CNAME, when the in-cluster target does not exist (RFC 6604)', () => {
      store.setService(service('default', 'dangling', { type: 'ExternalName', externalName: 'gone.default.svc.cluster.local' }));
      const r = ask(store, query('dangling.default.svc.cluster.local'));
      assert.equal(rcodeOf(r), RCODE.NXDOMAIN);
      assert.deepEqual(data(r.answers, 'CNAME'), ['gone.default.svc.cluster.local']);
      assert.equal(r.authorities?.[0]?.type, 'SOA');
    });

    it('answers an in-cluster CNAME whose target lacks the type with the CNAME and the SOA', () => {
      const r = ask(store, query('alias.default.svc.cluster.local', 'AAAA'));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.deepEqual(data(r.answers, 'CNAME'), ['web.default.svc.cluster.local']);
      assert.equal(r.authorities?.[0]?.type, 'SOA');
    });

    it('answers a CNAME query with the CNAME alone', () => {
      const r = ask(store, query('alias.default.svc.cluster.local', 'CNAME'));
      assert.deepEqual(data(r.answers, 'CNAME'), ['web.default.svc.cluster.local']);
      assert.equal(r.answers?.length, 1);
    });
  });

  describe('names that do not exist, or are not ours', () => {
    it('is NXDOMAIN with the SOA for an unknown name inside the domain', () => {
      for (const name of ['nope.default.svc.cluster.local', 'web.nowhere.svc.cluster.local', 'nowhere.svc.cluster.local', 'a.b.c.d.e.f.cluster.local', 'x.cluster.local']) {
        const r = ask(store, query(name));
        assert.equal(rcodeOf(r), RCODE.NXDOMAIN, name);
        assert.equal(r.flag_aa, true, name);
        assert.deepEqual(r.answers, [], name);
        assert.deepEqual(
          r.authorities?.map((a) => [a.type, a.name]),
          [['SOA', 'cluster.local']],
          name,
        );
      }
    });

    it('is NODATA, not NXDOMAIN, for names with records below them', () => {
      for (const name of ['cluster.local', 'svc.cluster.local', 'default.svc.cluster.local', 'pod.cluster.local', 'default.pod.cluster.local']) {
        const r = ask(store, query(name));
        assert.equal(rcodeOf(r), RCODE.NOERROR, name);
        assert.deepEqual(r.answers, [], name);
        assert.equal(r.authorities?.[0]?.type, 'SOA', name);
      }
    });

    it('REFUSES names outside the cluster domain, with no answer and no authority', () => {
      for (const name of ['example.com', 'notcluster.local', 'cluster.local.example.com', 'web', '']) {
        const r = ask(store, query(name));
        assert.equal(rcodeOf(r), RCODE.REFUSED, name);
        assert.equal(r.flag_aa, false, name);
        assert.deepEqual(r.answers, [], name);
        assert.deepEqual(r.authorities, [], name);
      }
    });

    it('REFUSES zone transfers and classes other than IN', () => {
      assert.equal(rcodeOf(ask(store, query('cluster.local', 'AXFR'))), RCODE.REFUSED);
      const chaos = query('version.bind', 'TXT');
      chaos.questions = [{ name: 'version.bind', type: 'TXT', class: 'CH' }];
      assert.equal(rcodeOf(ask(store, chaos)), RCODE.REFUSED);
    });
  });

  describe('the zone itself and the spec records', () => {
    it('answers SOA and NS at the apex, and ns.dns.<domain> with the cluster DNS address', () => {
      const soa = ask(store, query('cluster.local', 'SOA'));
      assert.deepEqual(
        soa.answers?.map((a) => [a.type, a.name]),
        [['SOA', 'cluster.local']],
      );
      const ns = ask(store, query('cluster.local', 'NS'));
      assert.deepEqual(data(ns.answers, 'NS'), ['ns.dns.cluster.local']);
      assert.deepEqual(data(ns.additionals, 'A'), ['10.96.0.10']);
      assert.deepEqual(data(ask(store, query('ns.dns.cluster.local')).answers, 'A'), ['10.96.0.10']);
    });

    it('answers TXT dns-version.<domain> with the schema version', () => {
      const r = ask(store, query('dns-version.cluster.local', 'TXT'));
      assert.deepEqual(
        data(r.answers, 'TXT').map((d) => (d as Buffer[]).map(String)),
        [['1.1.0']],
      );
    });

    it('answers pod A records <a-b-c-d>.<ns>.pod.<domain> (pods insecure)', () => {
      assert.deepEqual(data(ask(store, query('10-244-1-5.default.pod.cluster.local')).answers, 'A'), ['10.244.1.5']);
      assert.equal(rcodeOf(ask(store, query('300-1-1-1.default.pod.cluster.local'))), RCODE.NXDOMAIN);
      assert.equal(rcodeOf(ask(store, query('10-244-1.default.pod.cluster.local'))), RCODE.NXDOMAIN);
    });

    it('answers PTR for ClusterIPs and ready endpoints, and REFUSES unknown addresses', () => {
      assert.deepEqual(data(ask(store, query('20.0.96.10.in-addr.arpa', 'PTR')).answers, 'PTR'), ['web.default.svc.cluster.local']);
      assert.deepEqual(data(ask(store, query('5.1.244.10.in-addr.arpa', 'PTR')).answers, 'PTR'), ['db-0.db.default.svc.cluster.local']);
      assert.equal(rcodeOf(ask(store, query('7.3.244.10.in-addr.arpa', 'PTR'))), RCODE.REFUSED, 'not ready');
      assert.equal(rcodeOf(ask(store, query('8.8.8.8.in-addr.arpa', 'PTR'))), RCODE.REFUSED);
    });
  });

  describe('malformed and unusual queries', () => {
    it('answers FORMERR when the query has no question or more than one', () => {
      const none = query('web.default.svc.cluster.local');
      none.questions = [];
      assert.equal(rcodeOf(ask(store, none)), RCODE.FORMERR);
      const two = query('web.default.svc.cluster.local');
      two.questions = [...(two.questions ?? []), { name: 'db.default.svc.cluster.local', type: 'A', class: 'IN' }];
      const r = ask(store, two);
      assert.equal(rcodeOf(r), RCODE.FORMERR);
      assert.deepEqual(r.answers, []);
      assert.equal(r.id, two.id);
    });

    it('answers NOTIMP for an opcode other than QUERY', () => {
      const notify = query('cluster.local', 'SOA');
      notify.flags = 4 << 11; // NOTIFY
      assert.equal(rcodeOf(ask(store, notify)), RCODE.NOTIMP);
    });

    it('echoes EDNS0 with its own payload size, and answers BADVERS to EDNS versions other than 0', () => {
      const r = ask(store, query('web.default.svc.cluster.local', 'A', { edns: 4096 }));
      assert.equal(rcodeOf(r), RCODE.NOERROR);
      assert.equal(optOf(r)?.udpPayloadSize, EDNS_UDP_SIZE);
      const v1 = query('web.default.svc.cluster.local', 'A', { edns: 4096 });
      const opt = optOf(v1);
      if (opt) opt.ednsVersion = 1;
      assert.equal(rcodeOf(ask(store, v1)), RCODE.BADVERS);
      assert.equal(optOf(ask(store, query('web.default.svc.cluster.local'))), undefined, 'no OPT without EDNS0 in the query');
    });
  });
});
