import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, type Deployment, type Pod, type ResourceInfo, type Service } from '@skiff/api';
import { CliError } from '../errors.js';
import { buildExposedService, parseLabelPairs } from './expose-service.js';

const info = (r: string): ResourceInfo => {
  const i = findResource(r);
  assert.ok(i);
  return i;
};

function deployment(ports: Array<{ containerPort: number; protocol?: 'TCP' | 'UDP' }>, matchExpressions = false): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'front' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' }, ...(matchExpressions ? { matchExpressions: [{ key: 'x', operator: 'Exists' as const }] } : {}) },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1', ports }] } },
    },
  };
}

const cliError = (re: RegExp) => (e: unknown) => e instanceof CliError && re.test(e.message);

test("expose deployment: its matchLabels as selector, its labels, its name, --port and --target-port", () => {
  const svc = buildExposedService(info('deployments'), deployment([{ containerPort: 8080 }]), { port: '80', targetPort: '8080', type: 'NodePort' });
  assert.deepEqual(svc, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], type: 'NodePort' },
  });
});

test("without --port the object's one container port is the port and the target port; several become port-1, port-2", () => {
  const one = buildExposedService(info('deployments'), deployment([{ containerPort: 8080 }]), {});
  assert.deepEqual(one.spec.ports, [{ port: 8080, protocol: 'TCP', targetPort: 8080 }]);
  const two = buildExposedService(info('deployments'), deployment([{ containerPort: 8080 }, { containerPort: 5353, protocol: 'UDP' }]), {});
  assert.deepEqual(two.spec.ports, [
    { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
    { name: 'port-2', port: 5353, protocol: 'UDP', targetPort: 5353 },
  ]);
  // A port served over both protocols gives one Service port per protocol.
  const both = buildExposedService(info('deployments'), deployment([{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }]), {});
  assert.deepEqual(both.spec.ports, [
    { name: 'port-1-udp', port: 53, protocol: 'UDP', targetPort: 53 },
    { name: 'port-1-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
  ]);
  // --protocol wins over what the object declares; a named target port stays a name.
  const udp = buildExposedService(info('deployments'), deployment([{ containerPort: 53, protocol: 'TCP' }]), { port: '53', protocol: 'UDP', targetPort: 'dns' });
  assert.deepEqual(udp.spec.ports, [{ port: 53, protocol: 'UDP', targetPort: 'dns' }]);
});

test('no port anywhere is an error, unless the Service is headless', () => {
  assert.throws(() => buildExposedService(info('deployments'), deployment([]), {}), cliError(/^error: couldn't find port via --port flag or introspection$/));
  const headless = buildExposedService(info('deployments'), deployment([]), { clusterIp: 'None' });
  assert.deepEqual(headless.spec, { selector: { app: 'web' }, ports: [], clusterIP: 'None' });
});

test("pods are selected by their labels; services by their selector; other kinds cannot be exposed", () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', labels: { run: 'p1' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 9000 }] }] } };
  const fromPod = buildExposedService(info('pods'), pod, { name: 'p1-svc' });
  assert.equal(fromPod.metadata.name, 'p1-svc');
  assert.deepEqual(fromPod.spec.selector, { run: 'p1' });
  assert.deepEqual(fromPod.spec.ports, [{ port: 9000, protocol: 'TCP', targetPort: 9000 }]);
  assert.throws(() => buildExposedService(info('pods'), { ...pod, metadata: { name: 'bare' } }, { port: '80' }), cliError(/the pod has no labels and cannot be exposed/));

  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx' }, spec: { selector: { app: 'nginx' }, ports: [{ port: 80, protocol: 'TCP' }] } };
  const second = buildExposedService(info('services'), svc, { port: '443', targetPort: '8443', name: 'nginx-https' });
  assert.deepEqual(second.spec, { selector: { app: 'nginx' }, ports: [{ port: 443, protocol: 'TCP', targetPort: 8443 }] });
  assert.throws(() => buildExposedService(info('services'), { ...svc, spec: {} }, {}), cliError(/the service has no pod selector set/));

  assert.throws(() => buildExposedService(info('nodes'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }, { port: '80' }), cliError(/^error: cannot expose a Node$/));
  assert.throws(() => buildExposedService(info('deployments'), deployment([{ containerPort: 1 }], true), {}), cliError(/couldn't convert expressions/));
});

test('flags that shape the Service: --selector, --labels, --type, --session-affinity, --external-ip', () => {
  const svc = buildExposedService(info('deployments'), deployment([{ containerPort: 8080 }]), {
    selector: 'app=web,track=stable',
    labels: 'team=a',
    type: 'LoadBalancer',
    loadBalancerIp: '127.0.0.9',
    sessionAffinity: 'ClientIP',
    externalIp: '127.0.0.8',
  });
  assert.deepEqual(svc.metadata.labels, { team: 'a' });
  assert.deepEqual(svc.spec.selector, { app: 'web', track: 'stable' });
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.equal(svc.spec.loadBalancerIP, '127.0.0.9');
  assert.equal(svc.spec.sessionAffinity, 'ClientIP');
  assert.deepEqual(svc.spec.externalIPs, ['127.0.0.8']);
  const d = deployment([{ containerPort: 8080 }]);
  assert.throws(() => buildExposedService(info('deployments'), d, { type: 'Internal' }), cliError(/invalid --type "Internal": must be one of ClusterIP, NodePort, LoadBalancer, ExternalName/));
  assert.throws(() => buildExposedService(info('deployments'), d, { sessionAffinity: 'Sticky' }), cliError(/unknown session affinity: Sticky/));
  assert.throws(() => buildExposedService(info('deployments'), d, { port: 'http' }), cliError(/invalid port "http"/));
  assert.throws(() => buildExposedService(info('deployments'), d, { selector: 'app' }), cliError(/unexpected label spec: app/));
});

test("kubectl's label pairs are strict", () => {
  assert.deepEqual(parseLabelPairs('a=1,b='), { a: '1', b: '' });
  assert.throws(() => parseLabelPairs('=1'), cliError(/unexpected empty label key/));
  assert.throws(() => parseLabelPairs('a=1=2'), cliError(/unexpected label spec: a=1=2/));
});
