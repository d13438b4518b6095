import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildConfigMap, dockerConfigJson, newSecret, parseEnvFile, parseFileSource, parseLiteralSource, secretData } from './data-sources.js';

let dir = '';
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-create-data-'));
  fs.writeFileSync(path.join(dir, 'app.properties'), 'color=blue\n');
  fs.writeFileSync(path.join(dir, 'logo.bin'), Buffer.from([0x89, 0x50, 0xff, 0x00]));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.writeFileSync(path.join(dir, 'conf', 'b.txt'), 'B');
  fs.writeFileSync(path.join(dir, 'conf', 'a.txt'), 'A');
  fs.mkdirSync(path.join(dir, 'conf', 'sub'));
  fs.writeFileSync(path.join(dir, 'app.env'), '\uFEFF# comment\nMODE=fast\n\n  LEVEL=3=high\nFROM_ENV\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('literal and file sources parse as kubectl parses them', () => {
  assert.deepEqual(parseLiteralSource('k=v=w'), { key: 'k', value: 'v=w' });
  assert.throws(() => parseLiteralSource('=v'), /invalid literal source =v, expected key=value/);
  assert.throws(() => parseLiteralSource('k'), /invalid literal source k, expected key=value/);
  assert.deepEqual(parseFileSource('conf/app.properties'), { key: 'app.properties', file: 'conf/app.properties' });
  assert.deepEqual(parseFileSource('cfg=conf/app.properties'), { key: 'cfg', file: 'conf/app.properties' });
  assert.throws(() => parseFileSource('=x'), /key name for file path x missing/);
  assert.throws(() => parseFileSource('k='), /file path for key name k missing/);
  assert.throws(() => parseFileSource('a=b=c'), /key names or file paths cannot contain '='/);
});

test('env files: KEY=value lines, comments and blanks skipped, a bare KEY from the environment', () => {
  assert.deepEqual(parseEnvFile(fs.readFileSync(path.join(dir, 'app.env'), 'utf8'), { FROM_ENV: 'yes' }), [
    { key: 'MODE', value: 'fast' },
    { key: 'LEVEL', value: '3=high' },
    { key: 'FROM_ENV', value: 'yes' },
  ]);
  assert.throws(() => parseEnvFile('KÉY=x\n', {}), /"KÉY" is not a valid key name: a valid environment variable name must consist only of printable ASCII characters/);
});

test('configmap: files (text into data, other bytes into binaryData), directories, literals', () => {
  const cm = buildConfigMap('app', undefined, {
    fromFile: [path.join(dir, 'app.properties'), `logo=${path.join(dir, 'logo.bin')}`, path.join(dir, 'conf')],
    fromLiteral: ['mode=fast'],
  });
  assert.deepEqual(cm, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'app' },
    data: { 'app.properties': 'color=blue\n', 'a.txt': 'A', 'b.txt': 'B', mode: 'fast' },
    binaryData: { logo: Buffer.from([0x89, 0x50, 0xff, 0x00]).toString('base64') },
  });
  assert.deepEqual(buildConfigMap('app', 'team', { fromEnvFile: [path.join(dir, 'app.env')] }, {}).data, { MODE: 'fast', LEVEL: '3=high', FROM_ENV: '' });
  assert.equal(buildConfigMap('app', 'team', {}).metadata.namespace, 'team');
});

test('configmap refusals: bad and repeated keys, missing files, directory with a key, env files mixed in', () => {
  assert.throws(() => buildConfigMap('app', undefined, { fromLiteral: ['bad key=1'] }), /"bad key" is not a valid key name for a ConfigMap: a valid config key must consist of alphanumeric characters/);
  assert.throws(() => buildConfigMap('app', undefined, { fromLiteral: ['k=1', 'k=2'] }), /cannot add key "k", another key by that name already exists in Data for ConfigMap "app"/);
  assert.throws(() => buildConfigMap('app', undefined, { fromFile: [`k=${path.join(dir, 'logo.bin')}`], fromLiteral: ['k=2'] }), /already exists in BinaryData for ConfigMap "app"/);
  assert.throws(() => buildConfigMap('app', undefined, { fromFile: [path.join(dir, 'missing')] }), new RegExp(`error reading ${path.join(dir, 'missing')}: no such file or directory`));
  assert.throws(() => buildConfigMap('app', undefined, { fromFile: [`k=${path.join(dir, 'conf')}`] }), /cannot give a key name for a directory path/);
  assert.throws(() => buildConfigMap('app', undefined, { fromEnvFile: [path.join(dir, 'app.env')], fromLiteral: ['a=b'] }), /from-env-file cannot be combined with from-file or from-literal/);
  assert.throws(() => buildConfigMap('app', undefined, { fromEnvFile: [path.join(dir, 'conf')] }), /env config file cannot be a directory/);
});

test('secret generic: every value base64 into data; secret key errors in kubectl words', () => {
  const data = secretData({ fromLiteral: ['user=admin', 'pass=s3cr=t'], fromFile: [`logo=${path.join(dir, 'logo.bin')}`] });
  assert.deepEqual(data, { logo: Buffer.from([0x89, 0x50, 0xff, 0x00]).toString('base64'), user: 'YWRtaW4=', pass: Buffer.from('s3cr=t').toString('base64') });
  assert.deepEqual(newSecret('db', undefined, '', data).type, undefined);
  assert.equal(newSecret('db', 'team', 'Opaque', {}).type, 'Opaque');
  assert.throws(() => secretData({ fromLiteral: ['a#b=1'] }), /"a#b" is not valid key name for a Secret a valid config key must consist/);
  assert.throws(() => secretData({ fromLiteral: ['a=1', 'a=2'] }), /^CliError: error: cannot add key a, another key by that name already exists$/);
  assert.throws(() => secretData({ fromEnvFile: [path.join(dir, 'conf')] }), /env secret file cannot be a directory/);
});

test('docker-registry: a .dockerconfigjson with the login and its base64 auth', () => {
  const json = JSON.parse(dockerConfigJson({ server: 'registry.local:5000', username: 'me', password: 'pw', email: 'me@example.com' })) as unknown;
  assert.deepEqual(json, { auths: { 'registry.local:5000': { username: 'me', password: 'pw', email: 'me@example.com', auth: Buffer.from('me:pw').toString('base64') } } });
});
