// Ingresses and IngressClasses through the registry (MemoryStorage).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPIngressPath, Ingress, IngressClass, IngressSpec } from '@skiff/api';
import { causes, newTestRegistry, rejectsWith } from '../test-fixtures.js';

const path = (p: string, service: string, port: { name?: string; number?: number } = { number: 80 }, pathType: HTTPIngressPath['pathType'] = 'Prefix'): HTTPIngressPath => ({
  path: p,
  pathType,
  backend: { service: { name: service, port } },
});

const ingress = (name: string, spec: IngressSpec): Ingress => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default' }, spec });

test('an Ingress routing /api and /web to two Services is stored; its status is a subresource', async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  const ings = registry.store('ing');
  try {
    const created = (await ings.create(
      'default',
      ingress('site', {
        ingressClassName: 'skiff',
        rules: [{ host: '*.example.com', http: { paths: [path('/api', 'api'), path('/web', 'web', { name: 'http' }, 'Exact'), path('/other', 'web', { number: 80 }, 'ImplementationSpecific')] } }],
        tls: [{ hosts: ['*.example.com'], secretName: 'site-tls' }],
      }),
    )) as Ingress;
    assert.equal(created.metadata.generation, 1);
    assert.deepEqual(created.status, { loadBalancer: {} });
    const withStatus = (await ings.update('default', 'site', { ...created, status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } }, { subresource: 'status' })) as Ingress;
    assert.deepEqual(withStatus.status?.loadBalancer?.ingress, [{ ip: '192.0.2.1' }]);
    assert.equal(withStatus.metadata.generation, 1);
    await ings.create('default', ingress('fallback', { defaultBackend: { service: { name: 'web', port: { number: 8080 } } } }));
    await rejectsWith(
      ings.create('default', ingress('bucket', { defaultBackend: { resource: { apiGroup: 'example.com', kind: 'Bucket', name: 'static' } } })),
      'Invalid',
      "Ingress.networking.k8s.io \"bucket\" is invalid: spec.defaultBackend.resource: Forbidden: not supported by Skiff's ingress controller: use a service backend",
    );
  } finally {
    await close();
  }
});

test("Ingress validation follows Kubernetes'", async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  const ings = registry.store('ingresses');
  try {
    const refused = async (spec: IngressSpec, expected: string[]) => assert.deepEqual(causes(await rejectsWith(ings.create('default', ingress('bad', spec)), 'Invalid')), expected);
    await refused({}, ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified']);
    await refused(
      {
        rules: [
          {
            host: 'foo.*.com',
            http: {
              paths: [
                { path: '/a', backend: { service: { name: 'a', port: { number: 80 } } } } as HTTPIngressPath,
                path('api', 'a'),
                path('/a//b', 'a'),
                path('/x', 'a', { name: 'http', number: 80 }),
                path('/y', 'a', {}),
                path('/z', 'Bad.Name'),
                path('i', 'a', { number: 80 }, 'ImplementationSpecific'),
              ],
            },
          },
          { host: '10.0.0.1', http: { paths: [] } },
        ],
        ingressClassName: 'Not Valid',
        tls: [{ hosts: ['example.com', 'a.*.com'], secretName: 'Bad_Secret' }],
      },
      [
        `spec.rules[0].host: Invalid value: "foo.*.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
        'spec.rules[0].http.paths[1].path: Invalid value: "api": must be an absolute path',
        "spec.rules[0].http.paths[2].path: Invalid value: \"/a//b\": must not contain '//'",
        'spec.rules[0].http.paths[3].backend: Invalid value: "": cannot set both port name & port number',
        'spec.rules[0].http.paths[4].backend: Required value: port name or number is required',
        `spec.rules[0].http.paths[5].backend.service.name: Invalid value: "Bad.Name": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
        'spec.rules[0].http.paths[6].path: Invalid value: "i": must be an absolute path',
        'spec.rules[1].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
        'spec.rules[1].http.paths: Required value',
        `spec.tls[0].hosts[1]: Invalid value: "a.*.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        `spec.tls[0].secretName: Invalid value: "Bad_Secret": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        `spec.ingressClassName: Invalid value: "Not Valid": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    );
  } finally {
    await close();
  }
});

test('an IngressClass names a domain-prefixed controller that never changes', async () => {
  const { registry, close } = await newTestRegistry({ repairIntervalMs: 0 });
  const classes = registry.store('ingressclasses');
  try {
    const ic = (await classes.create('', {
      metadata: { name: 'skiff', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'skiff.io/ingress-controller', parameters: { kind: 'Config', name: 'cfg' } },
    })) as IngressClass;
    assert.equal(ic.metadata.namespace, undefined);
    assert.equal(ic.spec.parameters?.scope, 'Cluster');
    await rejectsWith(classes.update('', 'skiff', { ...ic, spec: { ...ic.spec, controller: 'other.io/x' } }), 'Invalid', /spec.controller: Invalid value: "other.io\/x": field is immutable/);
    const e = await rejectsWith(classes.create('', { metadata: { name: 'bad' }, spec: { controller: 'no-slash', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } } }), 'Invalid');
    assert.deepEqual(causes(e), [
      'spec.controller: Invalid value: "no-slash": must be a domain-prefixed path (such as "acme.io/foo")',
      "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
    ]);
  } finally {
    await close();
  }
});
