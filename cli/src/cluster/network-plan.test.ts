import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrsOverlap, parseCidr } from '@skiff/api';
import { asNetworkPlan, chooseNetworkPlan, defaultNetworkPlan, NoFreeAddresses, NOTHING_TAKEN, planConflicts, type TakenAddresses } from './network-plan.js';

/** A deterministic random source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const overlaps = (a: string, b: string): boolean => cidrsOverlap(parseCidr(a), parseCidr(b));

test("default mode keeps Kubernetes' defaults", () => {
  assert.deepEqual(defaultNetworkPlan('userspace'), {
    mode: 'default',
    clusterCidr: '10.244.0.0/16',
    nodeCidrMaskSize: 24,
    serviceClusterIpRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    clusterDomain: 'cluster.local',
    clusterDns: '10.96.0.10',
    nodeAddressPrefix: '127.0.0',
    iptablesChainPrefix: 'SKIFF',
    proxyMode: 'userspace',
  });
});

test('an auto plan avoids the defaults, Docker networks, host blocks and the other clusters', () => {
  const taken: TakenAddresses = {
    cidrs: [
      { cidr: '10.0.0.0/9', owner: 'Docker network big' }, // 10.0-10.127
      { cidr: '10.200.3.0/24', owner: 'Docker network skiff-x-node-1' },
      { cidr: '10.150.0.0/16', owner: 'the pod network of cluster "a"' },
      { cidr: '10.151.0.0/16', owner: 'the Service range of cluster "a"' },
      { cidr: '10.160.7.1/32', owner: 'interface lo (10.160.7.1)' },
    ],
    nodeAddressPrefixes: ['127.5.6'],
    chainPrefixes: ['SK0001'],
  };
  for (let seed = 1; seed <= 300; seed++) {
    const plan = chooseNetworkPlan({ taken, random: seeded(seed) });
    assert.equal(plan.mode, 'auto');
    assert.match(plan.clusterCidr, /^10\.\d+\.0\.0\/16$/);
    assert.match(plan.serviceClusterIpRange, /^10\.\d+\.0\.0\/16$/);
    assert.ok(!overlaps(plan.clusterCidr, plan.serviceClusterIpRange), `seed ${seed}: pods and Services overlap`);
    for (const cidr of [plan.clusterCidr, plan.serviceClusterIpRange]) {
      for (const t of [...taken.cidrs.map((c) => c.cidr), '10.244.0.0/16', '10.96.0.0/12']) assert.ok(!overlaps(cidr, t), `seed ${seed}: ${cidr} overlaps ${t}`);
    }
    assert.match(plan.nodeAddressPrefix, /^127\.([1-9]\d*)\.\d+$/, 'never 127.0.x (the default cluster, and 127.0.1.1 of /etc/hosts)');
    assert.notEqual(plan.nodeAddressPrefix, '127.5.6');
    assert.match(plan.iptablesChainPrefix, /^SK[0-9A-F]{4}$/);
    assert.notEqual(plan.iptablesChainPrefix, 'SK0001');
    assert.equal(plan.clusterDns, `${plan.serviceClusterIpRange.split('.').slice(0, 2).join('.')}.0.10`);
    assert.deepEqual(planConflicts(plan, taken), [], `seed ${seed}`);
  }
});

test('successive plans, each added to what is taken, never collide with one another', () => {
  const random = seeded(42);
  const plans = [];
  let taken: TakenAddresses = NOTHING_TAKEN;
  for (let i = 0; i < 60; i++) {
    const plan = chooseNetworkPlan({ taken, random });
    plans.push(plan);
    taken = {
      cidrs: [...taken.cidrs, { cidr: plan.clusterCidr, owner: `p${i}` }, { cidr: plan.serviceClusterIpRange, owner: `s${i}` }],
      nodeAddressPrefixes: [...taken.nodeAddressPrefixes, plan.nodeAddressPrefix],
      chainPrefixes: [...taken.chainPrefixes, plan.iptablesChainPrefix],
    };
  }
  const blocks = plans.flatMap((p) => [p.clusterCidr, p.serviceClusterIpRange]);
  assert.equal(new Set(blocks).size, blocks.length);
  assert.equal(new Set(plans.map((p) => p.nodeAddressPrefix)).size, plans.length);
  assert.equal(new Set(plans.map((p) => p.iptablesChainPrefix)).size, plans.length);
});

test('when 10.0.0.0/8 has no two free /16 blocks left, the plan says so', () => {
  const taken: TakenAddresses = { ...NOTHING_TAKEN, cidrs: [{ cidr: '10.0.0.0/9', owner: 'a' }, { cidr: '10.128.0.0/9', owner: 'b' }] };
  assert.throws(() => chooseNetworkPlan({ taken }), NoFreeAddresses);
});

test('conflicts of a given plan name what it collides with', () => {
  const plan = defaultNetworkPlan();
  const problems = planConflicts(plan, {
    cidrs: [{ cidr: '10.244.7.0/24', owner: 'Docker network old' }],
    nodeAddressPrefixes: ['127.0.0'],
    chainPrefixes: [],
  });
  assert.deepEqual(problems, [
    'the pod network 10.244.0.0/16 overlaps 10.244.7.0/24 (Docker network old)',
    'the node addresses 127.0.0.0/24 are used by another cluster',
  ]);
  assert.deepEqual(planConflicts({ ...plan, serviceClusterIpRange: '10.244.128.0/20' }, NOTHING_TAKEN), [
    'the pod network 10.244.0.0/16 overlaps the Service range 10.244.128.0/20',
  ]);
});

test('a recorded plan is read back; anything else is not a plan', () => {
  const plan = chooseNetworkPlan({ taken: NOTHING_TAKEN });
  assert.deepEqual(asNetworkPlan(JSON.parse(JSON.stringify(plan))), plan);
  assert.equal(asNetworkPlan({ ...plan, proxyMode: 'ipvs' }), undefined);
  assert.equal(asNetworkPlan({ clusterCidr: '10.1.0.0/16' }), undefined);
  assert.equal(asNetworkPlan(null), undefined);
});
