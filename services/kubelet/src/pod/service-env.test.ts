import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service, ServiceSpec } from '@skiff/api';
import { envVarsFromServices, serviceEnvVarMap } from './service-env.js';

function svc(namespace: string, name: string, spec: ServiceSpec): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec };
}

const kubernetes = svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
const web = svc('shop', 'web-front', {
  clusterIP: '10.96.0.12',
  ports: [
    { name: 'http', port: 80 },
    { name: 'dns-udp', port: 53, protocol: 'UDP' },
  ],
});

describe('Service environment variables', () => {
  it('are Kubernetes\' (envvars.FromServices): host, ports by name, and the Docker link variables', () => {
    const env = Object.fromEntries(envVarsFromServices([web]).map((e) => [e.name, e.value]));
    assert.deepEqual(env, {
      WEB_FRONT_SERVICE_HOST: '10.96.0.12',
      WEB_FRONT_SERVICE_PORT: '80',
      WEB_FRONT_SERVICE_PORT_HTTP: '80',
      WEB_FRONT_SERVICE_PORT_DNS_UDP: '53',
      WEB_FRONT_PORT: 'tcp://10.96.0.12:80',
      WEB_FRONT_PORT_80_TCP: 'tcp://10.96.0.12:80',
      WEB_FRONT_PORT_80_TCP_PROTO: 'tcp',
      WEB_FRONT_PORT_80_TCP_PORT: '80',
      WEB_FRONT_PORT_80_TCP_ADDR: '10.96.0.12',
      WEB_FRONT_PORT_53_UDP: 'udp://10.96.0.12:53',
      WEB_FRONT_PORT_53_UDP_PROTO: 'udp',
      WEB_FRONT_PORT_53_UDP_PORT: '53',
      WEB_FRONT_PORT_53_UDP_ADDR: '10.96.0.12',
    });
  });

  it('cover the pod\'s namespace and `kubernetes` in default; not headless, ExternalName or other namespaces\' Services', () => {
    const services = [
      kubernetes,
      web,
      svc('shop', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('shop', 'external', { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 5432 }] }),
      svc('other', 'elsewhere', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] }),
      svc('default', 'web-front', { clusterIP: '10.96.0.99', ports: [{ port: 81 }] }),
    ];
    const env = serviceEnvVarMap(services, 'shop', true);
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
    assert.equal(env.get('WEB_FRONT_SERVICE_HOST'), '10.96.0.12', 'the namespace\'s own Service, not default\'s of the same name');
    for (const name of env.keys()) assert.match(name, /^(KUBERNETES|WEB_FRONT)_/);
  });

  it('keep only the `kubernetes` ones when enableServiceLinks is false', () => {
    const env = serviceEnvVarMap([kubernetes, web], 'shop', false);
    assert.deepEqual([...env.keys()].filter((k) => !k.startsWith('KUBERNETES_')), []);
    assert.equal(env.get('KUBERNETES_PORT'), 'tcp://10.96.0.1:443');
  });
});
