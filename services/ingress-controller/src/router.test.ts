import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HTTPIngressPath, Ingress, IngressBackend, IngressRule, PathType } from '@skiff/api';
import { buildRoutingTable } from './router.js';

let seq = 0;
function ingress(name: string, spec: Ingress['spec'], opts: { namespace?: string; created?: string } = {}): Ingress {
  seq += 1;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: opts.namespace ?? 'default', creationTimestamp: opts.created ?? `2024-01-01T00:00:${String(seq).padStart(2, '0')}Z` },
    spec,
  };
}

const path = (p: string, pathType: PathType, service: string, port = 80): HTTPIngressPath => ({ path: p, pathType, backend: { service: { name: service, port: { number: port } } } });
const rule = (host: string | undefined, ...paths: HTTPIngressPath[]): IngressRule => ({ ...(host !== undefined && { host }), http: { paths } });

/** The Service a request goes to, or undefined (404). */
function target(ings: Ingress[], host: string, p: string): string | undefined {
  return buildRoutingTable(ings).match(host, p)?.backend.name;
}

describe('router: paths (the Kubernetes docs examples table)', () => {
  const cases: [PathType, string[], string, boolean][] = [
    ['Prefix', ['/'], '/anything/at/all', true],
    ['Exact', ['/foo'], '/foo', true],
    ['Exact', ['/foo'], '/bar', false],
    ['Exact', ['/foo'], '/foo/', false],
    ['Exact', ['/foo/'], '/foo', false],
    ['Prefix', ['/foo'], '/foo', true],
    ['Prefix', ['/foo'], '/foo/', true],
    ['Prefix', ['/foo/'], '/foo', true],
    ['Prefix', ['/foo/'], '/foo/', true],
    ['Prefix', ['/aaa/bb'], '/aaa/bbb', false],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb', true],
    ['Prefix', ['/aaa/bbb/'], '/aaa/bbb', true],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/', true],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbb/ccc', true],
    ['Prefix', ['/aaa/bbb'], '/aaa/bbbxyz', false],
    ['Prefix', ['/aaa'], '/ccc', false],
    ['Prefix', ['/foo'], '/foobar', false],
    ['ImplementationSpecific', ['/foo'], '/foo/bar', true],
    ['ImplementationSpecific', ['/foo'], '/foobar', false],
  ];
  for (const [type, paths, request, matches] of cases) {
    it(`${type} ${paths.join(', ')} ${matches ? 'matches' : 'does not match'} ${request}`, () => {
      const ing = ingress('a', { rules: [rule(undefined, ...paths.map((p) => path(p, type, 'svc')))] });
      assert.equal(target([ing], '', request), matches ? 'svc' : undefined);
    });
  }

  it('the longest prefix wins: /, /aaa, /aaa/bbb', () => {
    const ing = ingress('a', { rules: [rule(undefined, path('/', 'Prefix', 'root'), path('/aaa', 'Prefix', 'aaa'), path('/aaa/bbb', 'Prefix', 'bbb'))] });
    assert.equal(target([ing], '', '/aaa/ccc'), 'aaa');
    assert.equal(target([ing], '', '/aaa/bbb'), 'bbb');
    assert.equal(target([ing], '', '/aaa/bbb/x'), 'bbb');
    assert.equal(target([ing], '', '/ccc'), 'root');
  });

  it('Exact beats Prefix on the same path, whatever the order', () => {
    for (const paths of [
      [path('/foo', 'Prefix', 'prefix'), path('/foo', 'Exact', 'exact')],
      [path('/foo', 'Exact', 'exact'), path('/foo', 'Prefix', 'prefix')],
    ]) {
      const ing = ingress('a', { rules: [rule(undefined, ...paths)] });
      assert.equal(target([ing], '', '/foo'), 'exact');
      assert.equal(target([ing], '', '/foo/'), 'prefix');
      assert.equal(target([ing], '', '/foo/x'), 'prefix');
    }
  });

  it('a longer Prefix beats a shorter Exact', () => {
    const ing = ingress('a', { rules: [rule(undefined, path('/a', 'Exact', 'exact'), path('/a/b', 'Prefix', 'prefix'))] });
    assert.equal(target([ing], '', '/a/b'), 'prefix');
    assert.equal(target([ing], '', '/a'), 'exact');
  });

  it("the issue's example: /api → A, /web → B, anything else 404", () => {
    const ing = ingress('demo', { rules: [rule(undefined, path('/api', 'Prefix', 'a'), path('/web', 'Prefix', 'b'))] });
    assert.equal(target([ing], 'whatever.example', '/api'), 'a');
    assert.equal(target([ing], '', '/api/v1/users?x=1'.split('?')[0] ?? ''), 'a');
    assert.equal(target([ing], '', '/web/index.html'), 'b');
    assert.equal(target([ing], '', '/'), undefined);
    assert.equal(target([ing], '', '/apiv2'), undefined);
  });

  it('an ImplementationSpecific path without a path is /', () => {
    const ing = ingress('a', { rules: [{ http: { paths: [{ pathType: 'ImplementationSpecific', backend: { service: { name: 'svc', port: { number: 80 } } } }] } }] });
    assert.equal(target([ing], '', '/x/y'), 'svc');
  });

  it('skips resource backends', () => {
    const ing = ingress('a', { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { resource: { kind: 'StorageBucket', name: 'b' } } }] } }] });
    assert.equal(target([ing], '', '/'), undefined);
  });

  it('keeps the backend port by number or by name', () => {
    const ing = ingress('a', {
      rules: [rule(undefined, path('/n', 'Prefix', 'svc', 8080), { path: '/s', pathType: 'Prefix', backend: { service: { name: 'svc', port: { name: 'http' } } } })],
    });
    const table = buildRoutingTable([ing]);
    assert.deepEqual(table.match('', '/n')?.backend, { namespace: 'default', name: 'svc', port: { number: 8080 } });
    assert.deepEqual(table.match('', '/s')?.backend, { namespace: 'default', name: 'svc', port: { name: 'http' } });
  });
});

describe('router: hosts', () => {
  const ings = [
    ingress('wild', { rules: [rule('*.foo.com', path('/', 'Prefix', 'wild'))] }),
    ingress('exact', { rules: [rule('bar.foo.com', path('/', 'Prefix', 'exact')), rule('foo.bar.com', path('/bar', 'Prefix', 'service1'))] }),
  ];

  it('wildcards match exactly one label (the docs table)', () => {
    assert.equal(target(ings, 'baz.foo.com', '/'), 'wild');
    assert.equal(target(ings, 'foo.com', '/'), undefined);
    assert.equal(target(ings, 'baz.bar.foo.com', '/'), undefined);
  });

  it('an exact host beats a wildcard', () => {
    assert.equal(target(ings, 'bar.foo.com', '/'), 'exact');
  });

  it('rule hosts match case-insensitively (request hosts arrive lower-cased)', () => {
    const ing = ingress('a', { rules: [rule('Foo.Example.COM', path('/', 'Prefix', 'svc'))] });
    assert.equal(target([ing], 'foo.example.com', '/'), 'svc');
  });

  it('a host with rules is answered by its own rules only; other hosts fall to the host-less rules', () => {
    const all = [
      ingress('host', { rules: [rule('foo.com', path('/api', 'Prefix', 'host-api'))] }),
      ingress('any', { rules: [rule(undefined, path('/', 'Prefix', 'any-root'), path('/api', 'Prefix', 'any-api'))] }),
    ];
    assert.equal(target(all, 'foo.com', '/api/x'), 'host-api');
    assert.equal(target(all, 'foo.com', '/other'), undefined, 'nginx does not fall back to the catch-all server');
    assert.equal(target(all, 'other.com', '/api'), 'any-api');
    assert.equal(target(all, 'other.com', '/x'), 'any-root');
    assert.equal(target(all, '', '/x'), 'any-root');
  });

  it('merges the rules of one host across Ingresses', () => {
    const all = [
      ingress('one', { rules: [rule('foo.com', path('/a', 'Prefix', 'a'))] }),
      ingress('two', { rules: [rule('foo.com', path('/a/b', 'Prefix', 'b'), path('/c', 'Exact', 'c'))] }),
    ];
    assert.equal(target(all, 'foo.com', '/a/x'), 'a');
    assert.equal(target(all, 'foo.com', '/a/b/x'), 'b');
    assert.equal(target(all, 'foo.com', '/c'), 'c');
  });

  it('the older Ingress keeps a contested host and path, and the conflict is reported', () => {
    const newer = ingress('newer', { rules: [rule('foo.com', path('/', 'Prefix', 'new'))] }, { created: '2024-02-01T00:00:00Z' });
    const older = ingress('older', { rules: [rule('foo.com', path('/', 'Prefix', 'old'))] }, { created: '2024-01-01T00:00:00Z' });
    const table = buildRoutingTable([newer, older]);
    assert.equal(table.match('foo.com', '/')?.backend.name, 'old');
    assert.deepEqual(table.conflicts.map((c) => [c.winner.name, c.loser.name]), [['older', 'newer']]);
  });

  it('routes to the backend in the Ingress namespace', () => {
    const ing = ingress('a', { rules: [rule(undefined, path('/', 'Prefix', 'svc'))] }, { namespace: 'team' });
    assert.deepEqual(buildRoutingTable([ing]).match('', '/')?.ingress, { namespace: 'team', name: 'a' });
    assert.equal(buildRoutingTable([ing]).match('', '/')?.backend.namespace, 'team');
  });
});

describe('router: defaultBackend', () => {
  const backend = (name: string): IngressBackend => ({ service: { name, port: { number: 80 } } });

  it('an Ingress with only a defaultBackend takes every request no rule matches', () => {
    const all = [
      ingress('catch', { defaultBackend: backend('fallback') }),
      ingress('rules', { rules: [rule('foo.com', path('/api', 'Prefix', 'api'))] }),
    ];
    assert.equal(target(all, 'x.com', '/anything'), 'fallback');
    assert.equal(target(all, '', '/'), 'fallback');
    assert.equal(target(all, 'foo.com', '/api'), 'api');
    assert.equal(target(all, 'foo.com', '/other'), undefined, "foo.com's server has no defaultBackend");
  });

  it("the defaultBackend of an Ingress answers its hosts' unmatched paths", () => {
    const ing = ingress('a', { defaultBackend: backend('fallback'), rules: [rule('foo.com', path('/api', 'Prefix', 'api'))] });
    assert.equal(target([ing], 'foo.com', '/api'), 'api');
    assert.equal(target([ing], 'foo.com', '/web'), 'fallback');
    assert.equal(buildRoutingTable([ing]).match('foo.com', '/web')?.pathType, 'Default');
    assert.equal(target([ing], 'other.com', '/web'), undefined);
  });

  it('the defaultBackend of an Ingress with host-less rules answers unmatched requests', () => {
    const ing = ingress('a', { defaultBackend: backend('fallback'), rules: [rule(undefined, path('/api', 'Prefix', 'api'))] });
    assert.equal(target([ing], 'any.com', '/web'), 'fallback');
  });

  it('a rule-less Ingress wins the catch-all over one with rules', () => {
    const all = [
      ingress('rules', { defaultBackend: backend('rules-default'), rules: [rule(undefined, path('/api', 'Prefix', 'api'))] }),
      ingress('catch', { defaultBackend: backend('catch-all') }),
    ];
    assert.equal(target(all, '', '/x'), 'catch-all');
  });

  it('nothing at all: 404', () => {
    assert.equal(target([], 'foo.com', '/'), undefined);
  });
});
