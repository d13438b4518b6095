import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '@skiff/api';
import type { EndpointInfo } from '../endpoints.js';
import { servicePortsOf, type ServicePortInfo } from '../service-port.js';
import { service } from '../testing/objects.js';
import { ChainNames } from './chain-names.js';
import { FakeIptables } from './fake-iptables.js';
import { jumpRules } from './jump-rules.js';
import { buildProxyRules } from './proxy-rules.js';
import { planCleanup, planSync } from './restore-plan.js';
import { parseSavedTable, splitWords } from './save-format.js';

const names = new ChainNames('SKIFF');

async function sync(ipt: FakeIptables, services: Service[], endpoints: Record<string, string[]>, n = names): Promise<ReturnType<typeof planSync>> {
  const svcMap = new Map<string, ServicePortInfo>();
  for (const s of services) for (const [k, v] of servicePortsOf(s)) svcMap.set(k, v);
  const epMap = new Map<string, EndpointInfo[]>(
    Object.entries(endpoints).map(([k, l]) => [k, l.map((e) => ({ ip: e.split(':')[0] as string, port: Number(e.split(':')[1]) }))]),
  );
  const rules = buildProxyRules({ names: n, services: svcMap, endpoints: epMap, nodeAddresses: ['127.0.0.2'], masqueradeAll: false, masqueradeMark: '0x4000', localhostNodePorts: true, randomFully: true });
  const saved = { nat: parseSavedTable(await ipt.save('nat')), filter: parseSavedTable(await ipt.save('filter')) };
  const plan = planSync(n, rules, saved, jumpRules(n, { firewall: true }));
  await ipt.restore(plan.text);
  return plan;
}

const web = service('web', { clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080 }] });
const api = service('api', { clusterIP: '10.96.0.11', ports: [{ port: 80 }] });

function dockerLike(ipt: FakeIptables): void {
  ipt.addRule('nat', 'DOCKER', '-i docker0 -j RETURN');
  ipt.addRule('nat', 'PREROUTING', '-m addrtype --dst-type LOCAL -j DOCKER');
  ipt.addRule('filter', 'DOCKER-USER', '-j RETURN');
  ipt.addRule('filter', 'FORWARD', '-j DOCKER-USER');
}

function count(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

describe('planSync', () => {
  it('programs the chains and one jump per built-in chain, and converges: a second run changes nothing', async () => {
    const ipt = new FakeIptables();
    dockerLike(ipt);
    const first = await sync(ipt, [web, api], { 'default/web/TCP': ['10.244.1.2:8080'], 'default/api/TCP': ['10.244.1.3:8080'] });
    assert.equal(first.jumpsInserted, 9);
    const nat1 = await ipt.save('nat');
    const filter1 = await ipt.save('filter');
    assert.deepEqual(ipt.rules('nat', 'PREROUTING'), ['-m comment --comment "SKIFF: service portals" -j SKIFF-SERVICES', '-m addrtype --dst-type LOCAL -j DOCKER']);
    assert.equal(ipt.rules('filter', 'FORWARD').at(-1), '-j DOCKER-USER', "Docker's rules stay where they were");

    // A restart: the same state again.
    const second = await sync(ipt, [web, api], { 'default/web/TCP': ['10.244.1.2:8080'], 'default/api/TCP': ['10.244.1.3:8080'] });
    assert.equal(second.jumpsInserted + second.jumpsDeleted, 0);
    assert.equal(second.deletedChains.length, 0);
    assert.equal(await ipt.save('nat'), nat1);
    assert.equal(await ipt.save('filter'), filter1);
  });

  it('deletes the chains of a removed service and endpoint, and only chains of its own prefix', async () => {
    const ipt = new FakeIptables();
    const other = new ChainNames('OTHER');
    await sync(ipt, [api], { 'default/api/TCP': ['10.244.9.9:80'] }, other);
    await sync(ipt, [web, api], { 'default/web/TCP': ['10.244.1.2:8080', '10.244.1.4:8080'], 'default/api/TCP': ['10.244.1.3:8080'] });
    const before = ipt.chains('nat');
    const plan = await sync(ipt, [web], { 'default/web/TCP': ['10.244.1.2:8080'] });
    const gone = [names.service('default/api', 'tcp'), names.endpoint('default/api', 'tcp', '10.244.1.3:8080'), names.endpoint('default/web', 'tcp', '10.244.1.4:8080')];
    assert.deepEqual([...plan.deletedChains].sort(), [...gone].sort());
    for (const c of gone) assert.ok(before.includes(c) && !ipt.chains('nat').includes(c), c);
    assert.ok(ipt.chains('nat').includes(other.service('default/api', 'tcp')), "the other proxy's chains are untouched");
    assert.equal(ipt.rules('nat', 'OUTPUT').filter((r) => r.endsWith('-j OTHER-SERVICES')).length, 1);
  });

  it('removes duplicate and outdated jumps left by an earlier run', async () => {
    const ipt = new FakeIptables();
    await sync(ipt, [web], {});
    ipt.addRule('nat', 'OUTPUT', '-m comment --comment "SKIFF: service portals" -j SKIFF-SERVICES');
    ipt.addRule('nat', 'PREROUTING', '-m comment --comment "an older comment" -j SKIFF-SERVICES', 1);
    ipt.addRule('nat', 'OUTPUT', '! -d 127.0.0.0/8 -j DOCKER-LIKE-TARGET');
    const plan = await sync(ipt, [web], {});
    assert.equal(plan.jumpsDeleted, 2);
    assert.equal(plan.jumpsInserted, 0);
    assert.equal(ipt.rules('nat', 'OUTPUT').filter((r) => r.endsWith('-j SKIFF-SERVICES')).length, 1);
    assert.deepEqual(ipt.rules('nat', 'PREROUTING'), ['-m comment --comment "SKIFF: service portals" -j SKIFF-SERVICES']);
    assert.ok(ipt.rules('nat', 'OUTPUT').includes('! -d 127.0.0.0/8 -j DOCKER-LIKE-TARGET'));
  });

  it('applies nothing when the batch fails (one transaction)', async () => {
    const ipt = new FakeIptables();
    await sync(ipt, [web], { 'default/web/TCP': ['10.244.1.2:8080'] });
    const before = await ipt.save('nat');
    ipt.failNextRestore(new Error('iptables-restore: line 3 failed'));
    await assert.rejects(sync(ipt, [], {}), /line 3/);
    assert.equal(await ipt.save('nat'), before);
  });
});

describe('planCleanup', () => {
  it('removes every chain and jump of the prefix and nothing else', async () => {
    const ipt = new FakeIptables();
    dockerLike(ipt);
    const other = new ChainNames('SKIFF-T');
    await sync(ipt, [web], { 'default/web/TCP': ['10.244.1.2:8080'] }, other);
    await sync(ipt, [web, api], { 'default/web/TCP': ['10.244.1.2:8080'], 'default/api/TCP': ['10.244.1.3:8080'] });
    const plan = planCleanup(names, { nat: parseSavedTable(await ipt.save('nat')), filter: parseSavedTable(await ipt.save('filter')) });
    assert.ok(plan);
    await ipt.restore(plan.text);
    const all = (await ipt.save('nat')) + (await ipt.save('filter'));
    assert.equal(count(all, /SKIFF-(SERVICES|SVC|SEP|EXT|NODEPORTS|MARK-MASQ|POSTROUTING|EXTERNAL|FORWARD|FIREWALL)\b/), 0, all);
    assert.ok(count(all, /SKIFF-T-/) > 0, "the other prefix's rules remain");
    assert.ok(ipt.rules('nat', 'PREROUTING').includes('-m addrtype --dst-type LOCAL -j DOCKER'));
    assert.equal(planCleanup(names, { nat: parseSavedTable(await ipt.save('nat')), filter: parseSavedTable(await ipt.save('filter')) }), undefined, 'nothing left to do');
  });
});

describe('save format', () => {
  it('splits quoted words as iptables-restore does', () => {
    assert.deepEqual(splitWords('-A X -m comment --comment "a b \\"c\\"" -j Y'), ['-A', 'X', '-m', 'comment', '--comment', 'a b "c"', '-j', 'Y']);
    const t = parseSavedTable('# Generated\n*nat\n:PREROUTING ACCEPT [0:0]\n:X - [0:0]\n-A PREROUTING -m comment --comment "p q" -j X\nCOMMIT\n');
    assert.deepEqual([...t.chains], ['PREROUTING', 'X']);
    assert.deepEqual(t.rules.get('PREROUTING'), [['-m', 'comment', '--comment', 'p q', '-j', 'X']]);
  });
});
