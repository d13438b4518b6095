import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@skiff/component';
import dnsPacket, { type Answer } from 'dns-packet';
import { createHandler, shuffleAddresses } from './handler.js';
import { RecordStore } from './record-store.js';
import { query, service } from './testing/fixtures.js';
import { RCODE, rcodeOf } from './wire.js';

function store(): RecordStore {
  const s = new RecordStore({ domain: 'cluster.local', ttl: 30, nameserverIP: '10.96.0.10' });
  s.setService(service('default', 'web', { clusterIP: '10.96.0.20' }));
  return s;
}

const udp = { proto: 'udp', family: 1 } as const;

describe('createHandler', () => {
  it('answers SERVFAIL, not a cacheable NXDOMAIN, until the caches are synced', () => {
    let synced = false;
    const handle = createHandler({ view: store(), synced: () => synced, log: silentLogger() });
    const q = dnsPacket.encode(query('web.default.svc.cluster.local'));
    const before = dnsPacket.decode(handle(q, udp) as Buffer);
    assert.equal(rcodeOf(before), RCODE.SERVFAIL);
    assert.equal(before.questions?.[0]?.name, 'web.default.svc.cluster.local');
    synced = true;
    assert.equal(rcodeOf(dnsPacket.decode(handle(q, udp) as Buffer)), RCODE.NOERROR);
  });

  it('answers undecodable bytes FORMERR and sends nothing back to a response or a runt', () => {
    const handle = createHandler({ view: store(), synced: () => true, log: silentLogger() });
    const formerr = dnsPacket.decode(handle(Buffer.from([0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7]), udp) as Buffer);
    assert.equal(rcodeOf(formerr), RCODE.FORMERR);
    assert.equal(formerr.id, 9);
    assert.equal(handle(Buffer.from([0, 1]), udp), undefined);
    assert.equal(handle(dnsPacket.encode({ ...query('web.default.svc.cluster.local'), type: 'response' }), udp), undefined);
  });

  it('answers SERVFAIL when answering throws, and keeps going', () => {
    let calls = 0;
    const view = store();
    const broken = Object.create(view) as RecordStore;
    broken.service = () => {
      calls++;
      throw new Error('boom');
    };
    const handle = createHandler({ view: broken, synced: () => true, log: silentLogger() });
    assert.equal(rcodeOf(dnsPacket.decode(handle(dnsPacket.encode(query('web.default.svc.cluster.local')), udp) as Buffer)), RCODE.SERVFAIL);
    assert.equal(calls, 1);
    assert.equal(rcodeOf(dnsPacket.decode(handle(dnsPacket.encode(query('example.com')), udp) as Buffer)), RCODE.REFUSED);
  });
});

describe('shuffleAddresses', () => {
  it('permutes A records among themselves and leaves other records in place', () => {
    const a = (ip: string): Answer => ({ type: 'A', name: 'x', ttl: 30, data: ip });
    const answers: Answer[] = [{ type: 'CNAME', name: 'y', ttl: 30, data: 'x' }, a('10.0.0.1'), a('10.0.0.2'), a('10.0.0.3')];
    shuffleAddresses(answers, () => 0); // always swap with the first A
    assert.equal(answers[0]?.type, 'CNAME');
    assert.deepEqual(
      answers.slice(1).map((r) => ('data' in r ? r.data : '')),
      ['10.0.0.2', '10.0.0.3', '10.0.0.1'],
    );
  });
});
