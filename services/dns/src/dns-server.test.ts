// The server over real UDP and TCP sockets on 127.0.0.1 (a free port), queries encoded with
// dns-packet: answers, truncation over UDP and the full answer over TCP, several queries on one
// TCP connection, and malformed messages answered FORMERR without stopping the server.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '@skiff/component';
import dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { createHandler } from './handler.js';
import { DnsMetrics } from './metrics.js';
import { RecordStore } from './record-store.js';
import { TcpSession, udpExchange } from './testing/dns-client.js';
import { endpoint, query, service, slice } from './testing/fixtures.js';
import { RCODE, rcodeOf } from './wire.js';

const HOST = '127.0.0.1';
/** Enough endpoints that the A answer cannot fit in 512 bytes. */
const MANY = 60;

describe('DNS server over UDP and TCP', () => {
  let server: DnsServer;
  const registry = new Registry();

  before(async () => {
    const store = new RecordStore({ domain: 'cluster.local', ttl: 30, nameserverIP: '10.96.0.10' });
    store.setService(service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] }));
    store.setService(service('default', 'many', { clusterIP: 'None' }));
    store.setSlice(slice('default', 'many', 'many-1', Array.from({ length: MANY }, (_, i) => endpoint(`10.244.0.${i + 1}`))));
    const handle = createHandler({ view: store, synced: () => true, log: silentLogger(), metrics: new DnsMetrics(registry, 'dns://127.0.0.1:0') });
    server = await startDnsServer({ host: HOST, port: 0, handle, log: silentLogger() });
  });

  after(async () => {
    await server.close();
  });

  it('listens on a free port for both UDP and TCP', () => {
    assert.ok(server.port > 0);
  });

  it('answers A over UDP', async () => {
    const reply = dnsPacket.decode(await udpExchange(HOST, server.port, dnsPacket.encode(query('web.default.svc.cluster.local', 'A', { id: 99 }))));
    assert.equal(reply.id, 99);
    assert.equal(rcodeOf(reply), RCODE.NOERROR);
    assert.deepEqual(reply.answers?.map((a) => ('data' in a ? a.data : undefined)), ['10.96.0.20']);
  });

  it('answers REFUSED over UDP for a name outside the cluster, sending nothing elsewhere', async () => {
    const reply = dnsPacket.decode(await udpExchange(HOST, server.port, dnsPacket.encode(query('example.com'))));
    assert.equal(rcodeOf(reply), RCODE.REFUSED);
  });

  it('truncates a UDP answer over 512 bytes with TC, fits it in the EDNS0 size, and sends it whole over TCP', async () => {
    const q = dnsPacket.encode(query('many.default.svc.cluster.local'));
    const udpBytes = await udpExchange(HOST, server.port, q);
    const udp = dnsPacket.decode(udpBytes);
    assert.ok(udpBytes.length <= 512);
    assert.equal(udp.flag_tc, true);
    assert.ok((udp.answers?.length ?? 0) < MANY);

    const edns = dnsPacket.decode(await udpExchange(HOST, server.port, dnsPacket.encode(query('many.default.svc.cluster.local', 'A', { edns: 4096 }))));
    assert.equal(edns.flag_tc, false);
    assert.equal(edns.answers?.length, MANY);

    const tcp = await TcpSession.connect(HOST, server.port);
    try {
      tcp.send(q);
      const full = dnsPacket.decode(await tcp.next());
      assert.equal(full.flag_tc, false);
      assert.equal(new Set(full.answers?.map((a) => ('data' in a ? a.data : ''))).size, MANY);
    } finally {
      tcp.close();
    }
  });

  it('answers several queries on one TCP connection, pipelined and one after another, in order', async () => {
    const tcp = await TcpSession.connect(HOST, server.port);
    try {
      tcp.send(dnsPacket.encode(query('web.default.svc.cluster.local', 'A', { id: 1 })), dnsPacket.encode(query('_http._tcp.web.default.svc.cluster.local', 'SRV', { id: 2 })));
      const first = dnsPacket.decode(await tcp.next());
      const second = dnsPacket.decode(await tcp.next());
      assert.deepEqual([first.id, second.id], [1, 2]);
      assert.equal(second.answers?.[0]?.type, 'SRV');
      // A message split across two writes.
      const third = dnsPacket.encode(query('nope.default.svc.cluster.local', 'A', { id: 3 }));
      const framed = Buffer.concat([Buffer.from([third.length >> 8, third.length & 255]), third]);
      tcp.write(framed.subarray(0, 5));
      tcp.write(framed.subarray(5));
      const reply = dnsPacket.decode(await tcp.next());
      assert.equal(reply.id, 3);
      assert.equal(rcodeOf(reply), RCODE.NXDOMAIN);
    } finally {
      tcp.close();
    }
  });

  it('answers malformed bytes FORMERR over UDP and keeps serving', async () => {
    const garbage = Buffer.from([0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3f, 0x61, 0x62]); // a 63-byte label cut short
    const bad = dnsPacket.decode(await udpExchange(HOST, server.port, garbage));
    assert.equal(bad.id, 0xabcd);
    assert.equal(rcodeOf(bad), RCODE.FORMERR);
    const good = dnsPacket.decode(await udpExchange(HOST, server.port, dnsPacket.encode(query('web.default.svc.cluster.local'))));
    assert.equal(rcodeOf(good), RCODE.NOERROR);
  });

  it('answers FORMERR for a query with two questions over UDP', async () => {
    const two = query('web.default.svc.cluster.local');
    two.questions = [...(two.questions ?? []), { name: 'many.default.svc.cluster.local', type: 'A', class: 'IN' }];
    assert.equal(rcodeOf(dnsPacket.decode(await udpExchange(HOST, server.port, dnsPacket.encode(two)))), RCODE.FORMERR);
  });

  it('answers malformed bytes FORMERR over TCP and answers the next query on the same connection', async () => {
    const tcp = await TcpSession.connect(HOST, server.port);
    try {
      tcp.send(Buffer.from([0x00, 0x07, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0xff]), dnsPacket.encode(query('web.default.svc.cluster.local', 'A', { id: 8 })));
      const bad = dnsPacket.decode(await tcp.next());
      assert.equal(bad.id, 7);
      assert.equal(rcodeOf(bad), RCODE.FORMERR);
      const good = dnsPacket.decode(await tcp.next());
      assert.equal(good.id, 8);
      assert.equal(rcodeOf(good), RCODE.NOERROR);
    } finally {
      tcp.close();
    }
  });

  it('counts requests by protocol and responses by rcode, with CoreDNS names', async () => {
    const text = await registry.metrics();
    assert.match(text, /coredns_dns_requests_total\{server="dns:\/\/127\.0\.0\.1:0",zone="cluster\.local\.",proto="udp",family="1",type="A"\} \d+/);
    assert.match(text, /coredns_dns_requests_total\{[^}]*proto="tcp"[^}]*\} \d+/);
    assert.match(text, /coredns_dns_responses_total\{[^}]*rcode="FORMERR"\} [1-9]/);
    assert.match(text, /coredns_dns_responses_total\{[^}]*zone="\."[^}]*rcode="REFUSED"\} [1-9]/);
    assert.match(text, /coredns_dns_request_duration_seconds_bucket\{[^}]*le="0.00025"/);
  });
});

it('with a wildcard bind, answers to a reply address come from that address', async () => {
  // A client on 127.0.0.1 asks 127.0.0.53. A wildcard socket alone would answer from 127.0.0.1 (the
  // source routing picks); conntrack could then not match a DNATed query to its answer.
  const server = await startDnsServer({ host: '0.0.0.0', port: 0, handle: (m) => m, log: silentLogger(), udpReplyAddresses: ['127.0.0.53'] });
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const from = await new Promise<string>((resolve, reject) => {
      client.once('message', (_m, rinfo) => resolve(rinfo.address));
      client.once('error', reject);
      client.send(Buffer.alloc(12), server.port, '127.0.0.53');
    });
    assert.equal(from, '127.0.0.53');
  } finally {
    client.close();
    await server.close();
  }
});
