import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { RoundRobin } from './load-balancer.js';

const eps = [
  { ip: '10.0.0.1', port: 80 },
  { ip: '10.0.0.2', port: 80 },
  { ip: '10.0.0.3', port: 80 },
];
const first = (rr: RoundRobin, client?: string): string => rr.candidates(client)[0]?.ip ?? 'none';

describe('RoundRobin', () => {
  it('rotates through the endpoints and lists every one to try', () => {
    const rr = new RoundRobin(new FakeClock());
    rr.update(eps, undefined);
    assert.deepEqual([first(rr), first(rr), first(rr), first(rr)], ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    assert.deepEqual(rr.candidates(undefined).map((e) => e.ip), ['10.0.0.2', '10.0.0.3', '10.0.0.1']);
    rr.update([], undefined);
    assert.deepEqual(rr.candidates('1.1.1.1'), []);
  });

  it('keeps a client on its endpoint while it is ready and seen within the timeout', () => {
    const clock = new FakeClock();
    const rr = new RoundRobin(clock);
    rr.update(eps, 10);
    const ep = rr.candidates('192.0.2.7')[0];
    assert.ok(ep);
    rr.served('192.0.2.7', ep);
    for (let i = 0; i < 5; i++) {
      clock.advance(5000);
      const next = rr.candidates('192.0.2.7')[0];
      assert.equal(next?.ip, ep.ip);
      if (next) rr.served('192.0.2.7', next);
    }
    clock.advance(11_000);
    rr.candidates('192.0.2.8');
    const after = rr.candidates('192.0.2.7')[0];
    assert.notEqual(after?.ip, ep.ip, 'affinity expired');

    rr.served('192.0.2.9', eps[1] as (typeof eps)[number]);
    rr.update([eps[0] as (typeof eps)[number], eps[2] as (typeof eps)[number]], 10);
    assert.notEqual(first(rr, '192.0.2.9'), '10.0.0.2', 'an endpoint that went away loses its clients');
  });
});
