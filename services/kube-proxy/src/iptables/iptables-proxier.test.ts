import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { EndpointsChangeTracker, ServiceChangeTracker } from '../change-tracker.js';
import type { EndpointsMap } from '../change-tracker.js';
import type { EndpointSlice } from '@skiff/api';
import { FakeConntrack } from '../host/conntrack.js';
import { FakeSysctl } from '../host/sysctl.js';
import type { ServicePortInfo } from '../service-port.js';
import { endpointSlice, service } from '../testing/objects.js';
import { ChainNames } from './chain-names.js';
import { FakeIptables } from './fake-iptables.js';
import { IptablesProxier } from './iptables-proxier.js';

/** Drives a proxier the way the control loop does: trackers, apply, sync. */
function harness(opts: { fullSyncPeriodMs: number }) {
  const ipt = new FakeIptables();
  const clock = new FakeClock();
  const proxier = new IptablesProxier({
    iptables: ipt,
    conntrack: new FakeConntrack(),
    sysctl: new FakeSysctl(),
    names: new ChainNames('SKIFF'),
    masqueradeAll: false,
    masqueradeBit: 14,
    log: silentLogger(),
    fullSyncPeriodMs: opts.fullSyncPeriodMs,
    clock,
  });
  const svcs = new ServiceChangeTracker();
  const eps = new EndpointsChangeTracker();
  const services = new Map<string, ServicePortInfo>();
  const endpoints: EndpointsMap = new Map();
  const sync = () => proxier.sync({ services, endpoints, nodeAddresses: ['127.0.0.2'], serviceChanges: svcs.apply(services), endpointChanges: eps.apply(endpoints) });
  return { ipt, clock, svcs, eps, sync };
}

const svc = (i: number): Service => service(`s${i}`, { clusterIP: `10.96.0.${i}`, ports: [{ port: 80, nodePort: 30000 + i }] });
const slice = (i: number, ips: string[]): EndpointSlice => endpointSlice(`s${i}-1`, `s${i}`, ips.map((ip) => ({ ip })), [{ port: 8080 }]);

describe('IptablesProxier', () => {
  it('between full syncs, rewrites only what changed and ends where a full sync would', async () => {
    const h = harness({ fullSyncPeriodMs: 30_000 });
    for (let i = 1; i <= 5; i++) {
      h.svcs.update(undefined, svc(i));
      h.eps.update(slice(i, [`10.244.0.${i}`]), false);
    }
    const first = await h.sync();
    assert.equal(first.full, true);

    // One endpoint more for s2, s4 deleted, s6 added.
    h.eps.update(slice(2, ['10.244.0.2', '10.244.1.2']), false);
    h.svcs.update(svc(4), undefined);
    h.eps.update(slice(4, []), true);
    h.svcs.update(undefined, svc(6));
    h.eps.update(slice(6, ['10.244.0.6']), false);
    h.clock.advance(1000);
    const partial = await h.sync();
    assert.equal(partial.full, false);
    const batch = h.ipt.restores.at(-1) ?? '';
    assert.ok(batch.includes('10.244.1.2:8080') && batch.includes('10.244.0.6:8080'));
    assert.equal(batch.includes('--to-destination 10.244.0.1:8080'), false, 'an unchanged Service is left alone');
    assert.ok(partial.rules && partial.rules.written < partial.rules.nat + partial.rules.filter);

    // The same state programmed from scratch by a full sync.
    const fresh = harness({ fullSyncPeriodMs: 0 });
    for (const i of [1, 2, 3, 5, 6]) fresh.svcs.update(undefined, svc(i));
    for (const i of [1, 3, 5, 6]) fresh.eps.update(slice(i, [`10.244.0.${i}`]), false);
    fresh.eps.update(slice(2, ['10.244.0.2', '10.244.1.2']), false);
    await fresh.sync();
    const chains = (ipt: FakeIptables, t: 'nat' | 'filter'): [string, string[]][] => ipt.chains(t).sort().map((c) => [c, ipt.rules(t, c)]);
    assert.deepEqual(chains(h.ipt, 'nat'), chains(fresh.ipt, 'nat'));
    assert.deepEqual(chains(h.ipt, 'filter'), chains(fresh.ipt, 'filter'));
  });

  it('goes back to a full sync after the period, after a failure and when node addresses change', async () => {
    const h = harness({ fullSyncPeriodMs: 30_000 });
    h.svcs.update(undefined, svc(1));
    assert.equal((await h.sync()).full, true);
    h.clock.advance(10_000);
    assert.equal((await h.sync()).full, false);
    h.clock.advance(20_000);
    assert.equal((await h.sync()).full, true, 'the period is over');
    h.ipt.failNextRestore(new Error('boom'));
    await assert.rejects(h.sync());
    assert.equal((await h.sync()).full, true, 'after a failure');
  });
});
