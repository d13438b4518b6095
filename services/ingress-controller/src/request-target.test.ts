import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeHost, normalizePath } from './request-target.js';

describe('normalizeHost', () => {
  it('strips the port, lower-cases, drops a trailing dot', () => {
    assert.equal(normalizeHost('Foo.Example.COM:8080'), 'foo.example.com');
    assert.equal(normalizeHost('foo.example.com.'), 'foo.example.com');
    assert.equal(normalizeHost('foo.example.com'), 'foo.example.com');
  });
  it('keeps an IPv6 literal', () => {
    assert.equal(normalizeHost('[::1]:80'), '[::1]');
  });
  it('no Host header is the empty host', () => {
    assert.equal(normalizeHost(undefined), '');
    assert.equal(normalizeHost(''), '');
  });
});

describe('normalizePath', () => {
  const cases: [string, string | undefined][] = [
    ['/', '/'],
    ['/foo', '/foo'],
    ['/foo/', '/foo/'],
    ['/foo?x=1&y=/bar', '/foo'],
    ['/foo#frag', '/foo'],
    ['//foo///bar', '/foo/bar'],
    ['/foo/./bar', '/foo/bar'],
    ['/foo/../bar', '/bar'],
    ['/foo/bar/..', '/foo/'],
    ['/a%2Fb', '/a/b'],
    ['/%61pi', '/api'],
    ['/..', undefined],
    ['/%zz', undefined],
    ['http://example.com/api/x?q', '/api/x'],
    ['', '/'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.equal(normalizePath(input), want));
  }
});
