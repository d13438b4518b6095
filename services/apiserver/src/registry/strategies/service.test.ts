// Services through the registry (MemoryStorage): defaults, validation, ClusterIP and NodePort
// allocation, release, type changes and the status subresource.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service, ServiceSpec } from '@skiff/api';
import { causes, newTestRegistry, rejectsWith } from '../test-fixtures.js';
import type { Registry } from '../registry.js';
import type { MemoryStorage } from '../../storage/memory-storage.js';

const svc = (name: string, spec: ServiceSpec = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

async function keys(storage: MemoryStorage, kind: 'ip' | 'nodeport'): Promise<string[]> {
  const prefix = kind === 'ip' ? '/registry/serviceipallocations/' : '/registry/servicenodeportallocations/';
  return (await storage.list(prefix)).items.map((i) => i.key.slice(prefix.length));
}

async function withRegistry(fn: (registry: Registry, storage: MemoryStorage) => Promise<void>, range = '10.0.0.0/24', nodePorts = '30000-30099'): Promise<void> {
  const { registry, storage, close } = await newTestRegistry({ serviceClusterIPRange: range, serviceNodePortRange: nodePorts, repairIntervalMs: 0 });
  try {
    await fn(registry, storage);
  } finally {
    await close();
  }
}

test('a Service is defaulted as Kubernetes does and gets a ClusterIP from the range', () =>
  withRegistry(async (registry, storage) => {
    const s = (await registry.store('svc').create('default', svc('web', { ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] }))) as Service;
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.externalTrafficPolicy, undefined, 'only for NodePort and LoadBalancer');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(
      s.spec.ports?.map((p) => [p.protocol, p.targetPort]),
      [
        ['TCP', 80],
        ['UDP', 'dns'],
      ],
    );
    assert.match(s.spec.clusterIP ?? '', /^10\.0\.0\.\d+$/);
    assert.deepEqual(s.spec.clusterIPs, [s.spec.clusterIP]);
    assert.deepEqual(s.status, { loadBalancer: {} });
    assert.deepEqual(await keys(storage, 'ip'), [s.spec.clusterIP]);

    const ext = (await registry.store('svc').create('default', svc('ext', { externalIPs: ['192.0.2.10'] }))) as Service;
    assert.equal(ext.spec.externalTrafficPolicy, 'Cluster', 'a ClusterIP with external IPs is externally accessible');
    const lb = (await registry.store('svc').create('default', svc('lb', { type: 'LoadBalancer', sessionAffinity: 'ClientIP' }))) as Service;
    assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
    assert.deepEqual(lb.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.ok((lb.spec.ports?.[0]?.nodePort ?? 0) >= 30000);
  }));

test("the issue's bad input is refused with Kubernetes' messages", () =>
  withRegistry(async (registry) => {
    const svcs = registry.store('services');
    let e = await rejectsWith(svcs.create('default', svc('big', { ports: [{ port: 70000, targetPort: 8080 }] })), 'Invalid');
    assert.equal(e.message, 'Service "big" is invalid: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive');
    e = await rejectsWith(
      svcs.create('default', svc('dup', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] })),
      'Invalid',
    );
    assert.equal(e.message, 'Service "dup" is invalid: spec.ports[1].nodePort: Duplicate value: 30080');
    e = await rejectsWith(svcs.create('default', svc('far', { clusterIP: '10.96.0.10' })), 'Invalid');
    assert.equal(
      e.message,
      'Service "far" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.10": failed to allocate IP 10.96.0.10: the provided IP (10.96.0.10) is not in the valid range. The range of valid IPs is 10.0.0.0/24',
    );
    await svcs.create('default', svc('first', { clusterIP: '10.0.0.10' }));
    e = await rejectsWith(svcs.create('default', svc('second', { clusterIP: '10.0.0.10' })), 'Invalid');
    assert.equal(e.message, 'Service "second" is invalid: spec.clusterIPs[0]: Invalid value: "10.0.0.10": failed to allocate IP 10.0.0.10: provided IP is already allocated');
    await svcs.create('default', svc('np1', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    e = await rejectsWith(svcs.create('default', svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })), 'Invalid');
    assert.equal(e.message, 'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    e = await rejectsWith(svcs.create('default', svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })), 'Invalid');
    assert.equal(e.message, 'Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-30099');
  }));

test('Service validation follows ValidateService and refuses what Skiff does not implement by name', () =>
  withRegistry(async (registry) => {
    const svcs = registry.store('services');
    const refused = async (s: Service, expected: string[]) => assert.deepEqual(causes(await rejectsWith(svcs.create('default', s), 'Invalid')), expected);
    await refused(svc('Bad_Name'), [
      `metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    await refused(svc('ports', { ports: [{ port: 80 }, { name: 'x', port: 81, targetPort: 'Not_A_Name' }, { name: 'x', port: 82, protocol: 'SCTP' }] }), [
      'spec.ports[0].name: Required value',
      'spec.ports[1].targetPort: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[2].name: Duplicate value: "x"',
      'spec.ports[2].protocol: Unsupported value: "SCTP": supported values: "TCP", "UDP"',
    ]);
    await refused(svc('noports', { ports: [] }), ['spec.ports: Required value']);
    await refused(svc('ext', { type: 'ExternalName', clusterIP: '10.0.0.5', ports: [] }), ['spec.clusterIPs: Forbidden: may not be set for ExternalName services', 'spec.externalName: Required value']);
    await refused(svc('ext2', { type: 'ExternalName', externalName: 'Not A Host' }), [
      `spec.externalName: Invalid value: "Not A Host": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
    await refused(svc('hl', { type: 'NodePort', clusterIP: 'None' }), ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]);
    await refused(svc('cnp', { ports: [{ port: 80, nodePort: 30001 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
    await refused(svc('aff', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }), [
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
    ]);
    await refused(svc('v6', { ipFamilies: ['IPv6'] }), ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
    await refused(svc('dual', { ipFamilyPolicy: 'RequireDualStack' }), ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']);
    await refused(svc('bad-ip', { clusterIP: '10.0.0.300' }), ['spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    await refused(svc('local', { type: 'NodePort', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' }), [
      'spec.externalTrafficPolicy: Unsupported value: "Local": supported values: "Cluster"',
      'spec.internalTrafficPolicy: Unsupported value: "Local": supported values: "Cluster"',
    ]);
    await refused(svc('etp', { externalTrafficPolicy: 'Cluster' }), ['spec.externalTrafficPolicy: Invalid value: "Cluster": may only be set for externally-accessible services']);
    await refused(svc('xip', { externalIPs: ['192.0.2.1', '127.0.0.1'], loadBalancerIP: '192.0.2.2', loadBalancerClass: 'example.com/lb' }), [
      "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
      'spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'spec.loadBalancerIP: Forbidden: not supported by Skiff',
    ]);
    await rejectsWith(svcs.create('default', { ...svc('unknown'), spec: { ports: [{ port: 80 }], healthCheckNodePort: 30000 } }), 'BadRequest', /unknown field "spec.healthCheckNodePort"/);
    // None of the refused creates kept an address or a port.
    const stored = await registry.store('services').list({ namespace: 'default' });
    assert.equal(stored.items.length, 0);
  }));

test('selector-less, headless and ExternalName Services are accepted; only the first holds an address', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const manual = (await svcs.create('default', { metadata: { name: 'manual' }, spec: { ports: [{ port: 5432 }] } })) as Service;
    assert.equal(manual.spec.selector, undefined);
    const headless = (await svcs.create('default', svc('headless', { clusterIP: 'None' }))) as Service;
    assert.deepEqual(headless.spec.clusterIPs, ['None']);
    const ext = (await svcs.create('default', { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'db.example.com.' } })) as Service;
    assert.equal(ext.spec.clusterIP, undefined);
    assert.equal(ext.spec.ipFamilies, undefined);
    assert.deepEqual(await keys(storage, 'ip'), [manual.spec.clusterIP]);
  }));

test('50 concurrent creates in a /27 get distinct addresses; the rest learn the range is full', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => svcs.create('default', svc(`s${i}`))));
    const ips = results.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as Service).spec.clusterIP] : []));
    assert.equal(ips.length, 30);
    assert.equal(new Set(ips).size, 30, 'no address twice');
    const failures = new Set(results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : [])));
    assert.deepEqual(failures, new Set(['Internal error occurred: failed to allocate a serviceIP: range is full']));
    assert.equal((await keys(storage, 'ip')).length, 30, 'a failed create keeps nothing');

    // Deleting gives addresses back: the range does not leak.
    for (let i = 0; i < 50; i++) await svcs.delete('default', `s${i}`).catch(() => undefined);
    assert.deepEqual(await keys(storage, 'ip'), []);
    const again = await Promise.all(Array.from({ length: 30 }, (_, i) => svcs.create('default', svc(`t${i}`))));
    assert.equal(new Set(again.map((s) => (s as Service).spec.clusterIP)).size, 30);
  }, '10.0.0.0/27'));

test('a released address and port can be requested again; a failed create releases what it took', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    await svcs.create('default', svc('a', { type: 'NodePort', clusterIP: '10.0.0.20', ports: [{ port: 80, nodePort: 30020 }] }));
    await svcs.delete('default', 'a');
    assert.deepEqual([await keys(storage, 'ip'), await keys(storage, 'nodeport')], [[], []]);
    await svcs.create('default', svc('b', { type: 'NodePort', clusterIP: '10.0.0.20', ports: [{ port: 80, nodePort: 30020 }] }));

    // The name is taken: that is the answer, and nothing is reserved.
    await rejectsWith(svcs.create('default', svc('b', { type: 'NodePort', clusterIP: '10.0.0.21', ports: [{ port: 80, nodePort: 30021 }] })), 'AlreadyExists', 'services "b" already exists');
    // Two creates of one name racing: the loser's reservations go back.
    const race = await Promise.allSettled(['10.0.0.40', '10.0.0.41'].map((ip) => svcs.create('default', svc('race', { clusterIP: ip }))));
    const winner = race.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as Service).spec.clusterIP] : []));
    assert.equal(winner.length, 1);
    assert.deepEqual(race.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : [])), ['services "race" already exists']);
    await svcs.delete('default', 'race');
    // The second NodePort is taken: the address reserved first goes back.
    await rejectsWith(svcs.create('default', svc('c', { type: 'NodePort', clusterIP: '10.0.0.22', ports: [{ name: 'x', port: 80, nodePort: 30022 }, { name: 'y', port: 81, nodePort: 30020 }] })), 'Invalid');
    assert.deepEqual(await keys(storage, 'ip'), ['10.0.0.20']);
    assert.deepEqual(await keys(storage, 'nodeport'), ['30020']);
  }));

test('a dry-run create reports allocation problems and fills values without reserving them', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const dry = (await svcs.create('default', svc('dry', { type: 'NodePort' }), { dryRun: true })) as Service;
    assert.match(dry.spec.clusterIP ?? '', /^10\.0\.0\./);
    assert.ok((dry.spec.ports?.[0]?.nodePort ?? 0) >= 30000);
    assert.deepEqual([await keys(storage, 'ip'), await keys(storage, 'nodeport')], [[], []]);
    await svcs.create('default', svc('real', { clusterIP: '10.0.0.30' }));
    await rejectsWith(svcs.create('default', svc('dry2', { clusterIP: '10.0.0.30' }), { dryRun: true }), 'Invalid', /provided IP is already allocated/);
  }));

test('type changes take and release NodePorts and addresses; the ClusterIP never changes', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const created = (await svcs.create('default', svc('web'))) as Service;
    const ip = created.spec.clusterIP;
    const np = (await svcs.patch('default', 'web', { spec: { type: 'NodePort' } })) as Service;
    const port = np.spec.ports?.[0]?.nodePort;
    assert.ok(port !== undefined && port >= 30000, 'ClusterIP → NodePort allocates');
    assert.equal(np.spec.clusterIP, ip);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(await keys(storage, 'nodeport'), [String(port)]);

    // Resubmitting the manifest without the allocated values keeps them (patchAllocatedValues).
    const replaced = (await svcs.update('default', 'web', { ...svc('web', { type: 'NodePort' }) })) as Service;
    assert.equal(replaced.spec.clusterIP, ip);
    assert.equal(replaced.spec.ports?.[0]?.nodePort, port);

    // A second port gets its own NodePort; dropping the first port releases its NodePort.
    const two = (await svcs.patch('default', 'web', { spec: { ports: [{ name: 'a', port: 80, nodePort: port }, { name: 'b', port: 81 }] } })) as Service;
    const second = two.spec.ports?.[1]?.nodePort;
    assert.ok(second !== undefined && second !== port);
    await svcs.patch('default', 'web', { spec: { ports: [{ name: 'b', port: 81, nodePort: second }] } });
    assert.deepEqual(await keys(storage, 'nodeport'), [String(second)]);

    const back = (await svcs.patch('default', 'web', { spec: { type: 'ClusterIP' } })) as Service;
    assert.equal(back.spec.ports?.[0]?.nodePort, undefined, 'NodePort → ClusterIP drops the NodePorts');
    assert.equal(back.spec.externalTrafficPolicy, undefined);
    assert.deepEqual(await keys(storage, 'nodeport'), [], '... and releases them');

    const e = await rejectsWith(svcs.patch('default', 'web', { spec: { clusterIP: '10.0.0.99', clusterIPs: ['10.0.0.99'] } }), 'Invalid');
    assert.deepEqual(causes(e), ['spec.clusterIPs[0]: Invalid value: ["10.0.0.99"]: may not change once set']);

    const ext = (await svcs.patch('default', 'web', { spec: { type: 'ExternalName', externalName: 'example.com' } })) as Service;
    assert.equal(ext.spec.clusterIP, undefined, 'ExternalName has no ClusterIP');
    assert.deepEqual(await keys(storage, 'ip'), [], '... and the address is released');
    const again = (await svcs.patch('default', 'web', { spec: { type: 'ClusterIP', externalName: null } })) as Service;
    assert.match(again.spec.clusterIP ?? '', /^10\.0\.0\./, 'ExternalName → ClusterIP allocates');
    assert.deepEqual(await keys(storage, 'ip'), [again.spec.clusterIP]);
  }));

test('an update that fails after allocating gives the new values back and keeps the old ones', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    await svcs.create('default', svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort: 30050 }] }));
    await svcs.create('default', svc('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 30010 }] }));
    await rejectsWith(svcs.patch('default', 'web', { spec: { ports: [{ name: 'a', port: 80, nodePort: 30011 }, { name: 'b', port: 81, nodePort: 30050 }] } }), 'Invalid', /provided port is already allocated/);
    assert.deepEqual((await keys(storage, 'nodeport')).sort(), ['30010', '30050']);
  }));

test('status is a subresource holding the load balancer ingress points', () =>
  withRegistry(async (registry) => {
    const svcs = registry.store('services');
    const lb = (await svcs.create('default', svc('lb', { type: 'LoadBalancer' }))) as Service;
    const withStatus = (await svcs.update('default', 'lb', { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } } }, { subresource: 'status' })) as Service;
    assert.deepEqual(withStatus.status?.loadBalancer?.ingress, [{ ip: '192.0.2.7', ipMode: 'VIP' }]);
    const main = (await svcs.update('default', 'lb', { ...withStatus, status: {} })) as Service;
    assert.deepEqual(main.status, withStatus.status, 'the main resource keeps status');
    await rejectsWith(svcs.update('default', 'lb', { ...withStatus, status: { loadBalancer: { ingress: [{ ip: 'not-an-ip' }] } } }, { subresource: 'status' }), 'Invalid', /status.loadBalancer.ingress\[0\].ip: Invalid value: "not-an-ip": must be a valid IP address/);
    const list = await svcs.list({ namespace: 'default', fieldSelector: 'spec.type=LoadBalancer' });
    assert.deepEqual(list.items.map((s) => s.metadata.name), ['lb']);
  }));

test('repair takes back keys no Service holds and restores keys Services lack', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const web = (await svcs.create('default', svc('web', { type: 'NodePort' }))) as Service;
    const old = JSON.stringify({ owner: { resource: 'services', namespace: 'default', name: 'gone', uid: 'x' }, allocatedAt: '2020-01-01T00:00:00Z' });
    const young = JSON.stringify({ owner: { resource: 'services', namespace: 'default', name: 'flight', uid: 'y' }, allocatedAt: new Date().toISOString() });
    await storage.create('/registry/serviceipallocations/10.0.0.77', old);
    await storage.create('/registry/servicenodeportallocations/30077', young);
    await storage.delete(`/registry/serviceipallocations/${web.spec.clusterIP}`);
    await registry.repair();
    assert.deepEqual(await keys(storage, 'ip'), [web.spec.clusterIP], 'the leaked address is released, the missing key restored');
    assert.deepEqual((await keys(storage, 'nodeport')).sort(), [String(web.spec.ports?.[0]?.nodePort), '30077'].sort(), 'a young key stays');
  }));

test('a LoadBalancer may skip NodePorts and name another implementation, which it then keeps', () =>
  withRegistry(async (registry, storage) => {
    const svcs = registry.store('services');
    const lb = (await svcs.create('default', svc('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, loadBalancerClass: 'example.com/lb', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30081 }] }))) as Service;
    assert.deepEqual(lb.spec.ports?.map((p) => p.nodePort), [undefined, 30081], 'only the requested NodePort');
    assert.deepEqual(await keys(storage, 'nodeport'), ['30081']);
    await rejectsWith(svcs.patch('default', 'lb', { spec: { loadBalancerClass: 'example.com/other' } }), 'Invalid', /spec.loadBalancerClass: Invalid value: "example.com\/other": may not change once set/);
    const np = (await svcs.patch('default', 'lb', { spec: { type: 'NodePort' } })) as Service;
    assert.equal(np.spec.loadBalancerClass, undefined, 'dropped with the type');
    assert.equal(np.spec.allocateLoadBalancerNodePorts, undefined);
    assert.ok((np.spec.ports?.[0]?.nodePort ?? 0) >= 30000, 'a NodePort Service gets every NodePort');
  }));
