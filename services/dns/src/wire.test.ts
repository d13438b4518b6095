import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { EDNS_UDP_SIZE, RCODE, encodeResponse, maxUdpSize, rcodeName, rcodeOf, receive, responseOpt } from './wire.js';
import { query } from './testing/fixtures.js';

function bigResponse(records: number): Packet {
  const answers: Answer[] = Array.from({ length: records }, (_, i) => ({ type: 'A', name: 'many.default.svc.cluster.local', ttl: 30, data: `10.244.${i >> 8}.${i & 255}` }));
  return {
    type: 'response',
    id: 7,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: 'many.default.svc.cluster.local', type: 'A', class: 'IN' }],
    answers,
    authorities: [],
    additionals: [{ type: 'A', name: 'extra.cluster.local', ttl: 30, data: '10.0.0.1' }],
  };
}

describe('receive', () => {
  it('decodes a query', () => {
    const r = receive(dnsPacket.encode(query('web.default.svc.cluster.local')));
    assert.equal(r.kind, 'query');
  });

  it('answers undecodable bytes that have a header with FORMERR, echoing the id', () => {
    const bytes = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x05, 0x61]); // QDCOUNT 1, question cut short
    const r = receive(bytes);
    assert.equal(r.kind, 'formerr');
    if (r.kind !== 'formerr') return;
    const decoded = dnsPacket.decode(dnsPacket.encode(r.reply));
    assert.equal(decoded.id, 0x1234);
    assert.equal(decoded.type, 'response');
    assert.equal(rcodeOf(decoded), RCODE.FORMERR);
    assert.equal(decoded.flag_rd, true);
  });

  it('drops what is shorter than a header and what is a response', () => {
    assert.equal(receive(Buffer.from([1, 2, 3])).kind, 'drop');
    const response = dnsPacket.encode({ ...query('x.cluster.local'), type: 'response' });
    assert.equal(receive(response).kind, 'drop');
  });
});

describe('maxUdpSize', () => {
  it('is 512 without EDNS0, the advertised size with it, never below 512', () => {
    assert.equal(maxUdpSize(query('a.cluster.local')), 512);
    assert.equal(maxUdpSize(query('a.cluster.local', 'A', { edns: 1232 })), 1232);
    assert.equal(maxUdpSize(query('a.cluster.local', 'A', { edns: 100 })), 512);
  });
});

describe('encodeResponse', () => {
  it('leaves a response that fits alone', () => {
    const small = bigResponse(3);
    assert.deepEqual(encodeResponse(small, 512), dnsPacket.encode(small));
  });

  it('keeps as many answers as fit and sets TC when the answers do not fit', () => {
    const bytes = encodeResponse(bigResponse(60), 512);
    assert.ok(bytes.length <= 512);
    const decoded = dnsPacket.decode(bytes);
    assert.equal(decoded.flag_tc, true);
    assert.ok((decoded.answers?.length ?? 0) > 0 && (decoded.answers?.length ?? 0) < 60);
    assert.deepEqual(decoded.additionals, []);
    assert.equal(decoded.id, 7);
  });

  it('drops the additional section before answers, without TC, and keeps the OPT record', () => {
    const r = bigResponse(5);
    r.additionals = [...Array.from({ length: 30 }, (_, i): Answer => ({ type: 'A', name: `x${i}.cluster.local`, ttl: 30, data: '10.0.0.1' })), responseOpt(0)];
    const decoded = dnsPacket.decode(encodeResponse(r, 512));
    assert.equal(decoded.flag_tc, false);
    assert.equal(decoded.answers?.length, 5);
    assert.deepEqual(decoded.additionals?.map((a) => a.type), ['OPT']);
  });

  it('fits everything within a TCP message', () => {
    const decoded = dnsPacket.decode(encodeResponse(bigResponse(60), 65535));
    assert.equal(decoded.flag_tc, false);
    assert.equal(decoded.answers?.length, 60);
  });
});

describe('rcodeName', () => {
  it('names the codes, with extended RCODEs from OPT', () => {
    assert.equal(rcodeName(RCODE.NXDOMAIN), 'NXDOMAIN');
    const badvers = dnsPacket.decode(dnsPacket.encode({ type: 'response', id: 1, flags: 0, questions: [], additionals: [responseOpt(RCODE.BADVERS)] }));
    assert.equal(rcodeName(rcodeOf(badvers)), 'BADVERS');
    assert.equal(responseOpt(0).udpPayloadSize, EDNS_UDP_SIZE);
  });
});
