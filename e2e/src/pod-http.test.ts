import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillTemplate } from './fixtures.js';
import { ruleArgs } from './net-cleanup.js';
import { parseNslookup, servedBy, splitResponses, versionOf } from './pod-http.js';

test('splitResponses: one response per separator, status and body split at the blank line; no response keeps what nc said', () => {
  const out = [
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nHello from demo-web v1\nversion: v1\nhostname: web-1\n',
    '@@e2e-end rc=0\n',
    "nc: bad address 'web'\n",
    '@@e2e-end rc=1\n',
    'HTTP/1.0 503 Service Unavailable\r\n\r\nno endpoints',
    '@@e2e-end rc=0\n',
  ].join('');
  const [ok, bad, unavailable, ...rest] = splitResponses(out);
  assert.deepEqual(rest, []);
  assert.equal(ok?.status, 200);
  assert.equal(versionOf(ok?.body ?? ''), 'v1');
  assert.equal(servedBy(ok?.body ?? ''), 'web-1');
  assert.equal(bad?.status, undefined);
  assert.match(bad?.error ?? '', /bad address 'web'.*exit 1/);
  assert.equal(unavailable?.status, 503);
  assert.equal(unavailable?.body, 'no endpoints');
});

test('parseNslookup returns the answers, not the server address', () => {
  const out = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.ns.svc.cluster.local\nAddress: 10.96.3.4\n\nName:\tx\nAddress: 10.244.1.5\n';
  assert.deepEqual(parseNslookup(out), ['10.96.3.4', '10.244.1.5']);
  assert.deepEqual(parseNslookup("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find nope: NXDOMAIN\n"), []);
});

test('fillTemplate fills ${NAME}s and refuses one left unfilled (comments aside)', () => {
  assert.equal(fillTemplate('# ${NOTE}\nnode: ${NODE_A}\n', { NODE_A: 'n1' }), '# ${NOTE}\nnode: n1\n');
  assert.throws(() => fillTemplate('ip: ${IP}\n', {}), /\$\{IP\} has no value/);
});

test('ruleArgs keeps a quoted comment as one argument', () => {
  assert.deepEqual(ruleArgs('-A DOCKER-USER -d 10.1.2.0/24 -m comment --comment "skiff node e2e-1-node-1" -j ACCEPT'), [
    '-A', 'DOCKER-USER', '-d', '10.1.2.0/24', '-m', 'comment', '--comment', 'skiff node e2e-1-node-1', '-j', 'ACCEPT',
  ]);
});
