import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Endpoints, Service } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { KubeDnsRegistration, desiredEndpoints, desiredService, planEndpoints, planService, type Registration } from './kube-dns-registration.js';

const reg: Registration = { clusterIP: '10.96.0.10', address: '192.168.1.20', port: 5353 };

function existing(mutate: (s: Service) => void = () => undefined): Service {
  const s = desiredService(reg);
  s.metadata.resourceVersion = '7';
  mutate(s);
  return s;
}

describe('desiredService / desiredEndpoints', () => {
  it('is kube-system/kube-dns at the cluster DNS address, selector-less, dns/UDP and dns-tcp/TCP 53 to our port', () => {
    const s = desiredService(reg);
    assert.equal(s.metadata.namespace, 'kube-system');
    assert.equal(s.metadata.name, 'kube-dns');
    assert.deepEqual(s.metadata.labels, { 'k8s-app': 'kube-dns' });
    assert.equal(s.spec.clusterIP, '10.96.0.10');
    assert.equal(s.spec.selector, undefined);
    assert.deepEqual(s.spec.ports, [
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 },
      { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 5353 },
    ]);
    assert.deepEqual(desiredEndpoints(reg).subsets, [
      {
        addresses: [{ ip: '192.168.1.20' }],
        ports: [
          { name: 'dns', port: 5353, protocol: 'UDP' },
          { name: 'dns-tcp', port: 5353, protocol: 'TCP' },
        ],
      },
    ]);
  });
});

describe('planService', () => {
  it('creates a missing Service and leaves a right one alone', () => {
    assert.equal(planService(undefined, reg).action, 'create');
    assert.deepEqual(planService(existing(), reg), { action: 'none' });
  });

  it('repairs drift: another targetPort, a selector, a missing label, extra ports', () => {
    const drifted = existing((s) => {
      s.spec.selector = { app: 'coredns' };
      s.metadata.labels = { team: 'infra' };
      s.spec.ports = [
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
        { name: 'metrics', protocol: 'TCP', port: 9153 },
      ];
    });
    const plan = planService(drifted, reg);
    assert.equal(plan.action, 'update');
    assert.equal(plan.conflict, undefined);
    assert.equal(plan.service?.metadata.resourceVersion, '7', 'updates what it read');
    assert.equal(plan.service?.spec.selector, undefined);
    assert.deepEqual(plan.service?.metadata.labels, { team: 'infra', 'k8s-app': 'kube-dns' });
    assert.deepEqual(plan.service?.spec.ports, desiredService(reg).spec.ports);
    assert.deepEqual(drifted.spec.selector, { app: 'coredns' }, 'the input is not changed');
  });

  it('reports another clusterIP instead of fighting it, and still repairs the ports', () => {
    const other = existing((s) => {
      s.spec.clusterIP = '10.96.0.99';
      s.spec.ports = [];
    });
    const plan = planService(other, reg);
    assert.equal(plan.action, 'update');
    assert.equal(plan.service?.spec.clusterIP, '10.96.0.99');
    assert.match(plan.conflict ?? '', /clusterIP 10\.96\.0\.99, not 10\.96\.0\.10/);
    assert.match(planService(existing((s) => void (s.spec.clusterIP = '10.96.0.99')), reg).conflict ?? '', /immutable/);
  });

  it('does not touch a headless or ExternalName kube-dns, and says why', () => {
    const headless = planService(existing((s) => void (s.spec.clusterIP = 'None')), reg);
    assert.equal(headless.action, 'none');
    assert.match(headless.conflict ?? '', /headless/);
    const ext = planService(existing((s) => void ((s.spec.type = 'ExternalName'), delete s.spec.clusterIP)), reg);
    assert.equal(ext.action, 'none');
    assert.match(ext.conflict ?? '', /ExternalName/);
  });

  it('keeps node ports of a NodePort kube-dns when repairing', () => {
    const plan = planService(
      existing((s) => {
        s.spec.type = 'NodePort';
        s.spec.ports = [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 1, nodePort: 30053 }];
      }),
      reg,
    );
    assert.equal(plan.service?.spec.ports?.[0]?.nodePort, 30053);
  });
});

describe('planEndpoints', () => {
  it('creates, leaves alone, or rewrites the subsets', () => {
    assert.equal(planEndpoints(undefined, reg).action, 'create');
    const same: Endpoints = { ...desiredEndpoints(reg), metadata: { ...desiredEndpoints(reg).metadata, resourceVersion: '3' } };
    assert.deepEqual(planEndpoints(same, reg), { action: 'none' });
    const moved = planEndpoints(same, { ...reg, port: 5454 });
    assert.equal(moved.action, 'update');
    assert.equal(moved.endpoints?.metadata.resourceVersion, '3');
    assert.equal(moved.endpoints?.subsets?.[0]?.ports?.[0]?.port, 5454);
  });
});

describe('KubeDnsRegistration', () => {
  let api: FakeApi;
  let recorder: FakeEventRecorder;
  let registration: KubeDnsRegistration;
  beforeEach(() => {
    api = new FakeApi();
    recorder = new FakeEventRecorder();
    registration = new KubeDnsRegistration(reg, { client: api, recorder, log: silentLogger() });
  });

  it('creates the Service and Endpoints, then does nothing while they are right', async () => {
    await registration.reconcile();
    const svc = await api.get<Service>('services', 'kube-system', 'kube-dns');
    assert.equal(svc.spec.clusterIP, '10.96.0.10');
    const ep = await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns');
    assert.deepEqual(ep.subsets, desiredEndpoints(reg).subsets);
    const writes = api.writes().length;
    await registration.reconcile();
    assert.equal(api.writes().length, writes);
  });

  it('repairs Endpoints someone changed', async () => {
    await registration.reconcile();
    const ep = await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns');
    ep.subsets = [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }];
    await api.update('endpoints', ep);
    await registration.reconcile();
    assert.deepEqual((await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns')).subsets, desiredEndpoints(reg).subsets);
  });

  it('records one Warning event for a Service with another clusterIP, and registers the endpoints anyway', async () => {
    await api.create('services', existing((s) => void ((s.spec.clusterIP = '10.96.0.77'), delete s.metadata.resourceVersion)));
    await registration.reconcile();
    await registration.reconcile();
    assert.deepEqual(recorder.reasons(), ['ClusterIPConflict']);
    assert.equal(recorder.events[0]?.object, 'Service/kube-system/kube-dns');
    assert.equal((await api.get<Service>('services', 'kube-system', 'kube-dns')).spec.clusterIP, '10.96.0.77');
    assert.deepEqual((await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns')).subsets, desiredEndpoints(reg).subsets);
  });

  it('names the Service and the address when the create is refused', async () => {
    api.failNext('create', new Error('provided IP is already allocated'));
    await assert.rejects(registration.reconcile(), /cannot create Service kube-system\/kube-dns at 10\.96\.0\.10: provided IP is already allocated/);
  });

  it('withdraws its address to notReadyAddresses on shutdown', async () => {
    await registration.reconcile();
    await registration.withdraw();
    const ep = await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns');
    assert.deepEqual(ep.subsets?.[0]?.addresses, undefined);
    assert.deepEqual(ep.subsets?.[0]?.notReadyAddresses, [{ ip: '192.168.1.20' }]);
  });
});
