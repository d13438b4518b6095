// The range allocators over MemoryStorage: static bands, requested values, concurrency, dry runs
// and releases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipToInt } from '@skiff/api';
import { MemoryStorage } from '../../storage/memory-storage.js';
import { newClusterIPAllocator, parseServiceClusterIPRange } from './cluster-ip-allocator.js';
import { newNodePortAllocator } from './node-port-allocator.js';
import { AllocationError, staticBandSize, type AllocationOwner } from './range-allocator.js';

const owner = (name: string): AllocationOwner => ({ resource: 'services', namespace: 'default', name, uid: `uid-${name}` });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AllocationError, String(e));
    return `${e.reason}: ${e.message}`;
  }
  return assert.fail('expected an AllocationError');
}

test('the static band is min(max(16, size/step), max), none for tiny ranges (KEP-3070, KEP-3668)', () => {
  assert.equal(staticBandSize(30, 16, 256, 16), 16); // a /27's 30 usable addresses
  assert.equal(staticBandSize(2 ** 20 - 2, 16, 256, 16), 256); // a /12
  assert.equal(staticBandSize(14, 16, 256, 16), 0); // a /28
  assert.equal(staticBandSize(2768, 16, 128, 32), 86); // 30000-32767
});

test('dynamic ClusterIPs come from above the static band until it is full, then from the band', async () => {
  const storage = new MemoryStorage();
  const ips = newClusterIPAllocator(storage, '10.0.0.0/27');
  const base = ipToInt('10.0.0.0');
  const taken: number[] = [];
  for (let i = 0; i < 14; i++) taken.push(ipToInt(await ips.allocateNext(owner(`s${i}`), false)));
  assert.ok(
    taken.every((n) => n >= base + 17 && n <= base + 30),
    `upper band only: ${taken.map((n) => n - base).join(',')}`,
  );
  const next = ipToInt(await ips.allocateNext(owner('s14'), false)) - base;
  assert.ok(next >= 1 && next <= 16, `then the static band: ${next}`);
});

test('a requested ClusterIP is taken once; network, broadcast and foreign addresses are outside the range', async () => {
  const storage = new MemoryStorage();
  const ips = newClusterIPAllocator(storage, '10.0.0.0/28');
  await ips.allocate('10.0.0.10', owner('a'), false);
  assert.equal(await reason(ips.allocate('10.0.0.10', owner('b'), false)), 'allocated: provided IP is already allocated');
  for (const ip of ['10.0.0.0', '10.0.0.15', '10.0.1.1']) {
    assert.equal(
      await reason(ips.allocate(ip, owner('b'), false)),
      `not-in-range: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.0.0.0/28`,
    );
  }
  await ips.release('10.0.0.10', owner('b'));
  assert.ok(await storage.get('/registry/serviceipallocations/10.0.0.10'), 'another owner cannot release it');
  await ips.release('10.0.0.10', owner('a'));
  assert.equal(await storage.get('/registry/serviceipallocations/10.0.0.10'), undefined);
  await ips.allocate('10.0.0.10', owner('b'), false);
});

test('concurrent allocations never hand out one value twice; a full range says so', async () => {
  const storage = new MemoryStorage();
  const ips = newClusterIPAllocator(storage, '10.0.0.0/27');
  const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => ips.allocateNext(owner(`s${i}`), false)));
  const got = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.equal(got.length, 30, 'every usable address of a /27');
  assert.equal(new Set(got).size, 30, 'all distinct');
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
  assert.deepEqual(new Set(failures), new Set(['range is full']));
  assert.equal((await storage.list('/registry/serviceipallocations/')).items.length, 30);
});

test('a dry run checks and picks without taking anything', async () => {
  const storage = new MemoryStorage();
  const ports = newNodePortAllocator(storage, '30000-30009');
  const picked = await ports.allocateNext(owner('a'), true);
  assert.ok(picked >= 30000 && picked <= 30009);
  await ports.allocate(30005, owner('a'), true);
  assert.equal((await storage.list('/registry/')).items.length, 0);
  await ports.allocate(30005, owner('a'), false);
  assert.equal(await reason(ports.allocate(30005, owner('b'), true)), 'allocated: provided port is already allocated');
  assert.equal(await reason(ports.allocate(80, owner('b'), false)), 'not-in-range: provided port is not in the valid range. The range of valid ports is 30000-30009');
});

test('range flags are checked with messages naming the flag', () => {
  assert.throws(() => parseServiceClusterIPRange('10.0.0.0/8'), /--service-cluster-ip-range 10.0.0.0\/8 is too large; for 32-bit addresses, the mask must be >= 12/);
  assert.throws(() => parseServiceClusterIPRange('10.0.0.1/31'), /--service-cluster-ip-range 10.0.0.1\/31 is too small; it must be a \/30 or larger/);
  assert.throws(() => parseServiceClusterIPRange('nonsense'), /--service-cluster-ip-range: "nonsense" is not a CIDR/);
  assert.throws(() => newNodePortAllocator(new MemoryStorage(), '32767-30000'), /--service-node-port-range: "32767-30000" is not a port range/);
});
