import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { TokenAuthenticator } from './auth.js';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

test('static token file: users, uids and quoted groups; only an exact bearer token authenticates', () => {
  const auth = TokenAuthenticator.parse('# comment\n\nt0k3n,alice,u-1,"system:masters,devs"\nother,bob,u-2\n');
  assert.deepEqual(auth.authenticate(req('Bearer t0k3n')), { name: 'alice', uid: 'u-1', groups: ['system:masters', 'devs'] });
  assert.deepEqual(auth.authenticate(req('bearer other')), { name: 'bob', uid: 'u-2', groups: [] });
  for (const h of [undefined, '', 'Bearer', 'Bearer t0k3', 'Bearer t0k3nx', 'Basic t0k3n', 't0k3n']) assert.equal(auth.authenticate(req(h)), undefined, String(h));
});

test('malformed token files are refused with the line', () => {
  assert.throws(() => TokenAuthenticator.parse('a,b,c\njust-a-token\n'), /line 2: want token,user,uid/);
  assert.throws(() => TokenAuthenticator.parse('a,b,c\na,d,e\n'), /line 2: duplicate token/);
});
