import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { hasBody, requestHeaders, responseHeaders } from './headers.js';

const req = (headers: IncomingHttpHeaders, remoteAddress = '::ffff:10.1.2.3') => ({ headers, socket: { remoteAddress, localPort: 8080 } }) as never;

describe('requestHeaders', () => {
  it('drops hop-by-hop headers and those named in Connection, keeps Host', () => {
    const out = requestHeaders(req({ host: 'foo.com', connection: 'keep-alive, x-secret', 'keep-alive': 'timeout=5', 'x-secret': '1', te: 'trailers', 'proxy-authorization': 'x', 'transfer-encoding': 'chunked', accept: '*/*', expect: '100-continue' }));
    assert.equal(out['host'], 'foo.com');
    assert.equal(out['accept'], '*/*');
    for (const h of ['connection', 'keep-alive', 'x-secret', 'te', 'proxy-authorization', 'transfer-encoding', 'expect']) assert.equal(out[h], undefined, h);
  });
  it('sets X-Forwarded-* from this connection and appends to X-Forwarded-For', () => {
    const out = requestHeaders(req({ host: 'foo.com:80', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil' }));
    assert.equal(out['x-forwarded-for'], '1.1.1.1, 10.1.2.3');
    assert.equal(out['x-real-ip'], '10.1.2.3');
    assert.equal(out['x-forwarded-host'], 'foo.com:80');
    assert.equal(out['x-forwarded-proto'], 'http');
    assert.equal(out['x-forwarded-port'], '8080');
  });
  it('keeps Upgrade for an upgrade request', () => {
    const out = requestHeaders(req({ host: 'h', connection: 'Upgrade', upgrade: 'websocket' }), true);
    assert.equal(out['connection'], 'upgrade');
    assert.equal(out['upgrade'], 'websocket');
  });
});

describe('responseHeaders', () => {
  it('drops hop-by-hop headers, keeps the rest (set-cookie lists too)', () => {
    const out = responseHeaders({ connection: 'close', 'transfer-encoding': 'chunked', 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
    assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
  });
});

describe('hasBody', () => {
  it('Content-Length > 0 or Transfer-Encoding', () => {
    assert.equal(hasBody({}), false);
    assert.equal(hasBody({ 'content-length': '0' }), false);
    assert.equal(hasBody({ 'content-length': '3' }), true);
    assert.equal(hasBody({ 'transfer-encoding': 'chunked' }), true);
  });
});
