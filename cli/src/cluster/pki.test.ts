import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ensureClusterPki, writeKubeconfig } from './pki.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-pki-'));
}

test('the serving certificate is signed by the CA, names the hosts and is reused with the token', async () => {
  const dir = tmp();
  try {
    const pki = await ensureClusterPki(dir, ['127.0.0.1', 'localhost']);
    const ca = new X509Certificate(pki.caCert);
    const cert = new X509Certificate(fs.readFileSync(pki.certFile));
    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.match(fs.readFileSync(pki.tokenFile, 'utf8'), new RegExp(`^${pki.token},skiff-admin,skiff-admin,"system:masters"\\n$`));
    assert.ok(pki.token.length >= 32);
    assert.equal(fs.statSync(pki.keyFile).mode & 0o077, 0, 'the key is private');

    const again = await ensureClusterPki(dir, ['localhost', '127.0.0.1']);
    assert.equal(again.token, pki.token);
    assert.equal(fs.readFileSync(again.certFile, 'utf8'), fs.readFileSync(pki.certFile, 'utf8'));

    // Other hosts: a new serving certificate from the same CA.
    const moved = await ensureClusterPki(dir, ['127.0.0.1', 'localhost', '10.0.0.5']);
    assert.equal(moved.caCert, pki.caCert);
    assert.equal(new X509Certificate(fs.readFileSync(moved.certFile)).checkIP('10.0.0.5'), '10.0.0.5');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a TLS client trusting only the CA accepts the serving certificate', async () => {
  const dir = tmp();
  const pki = await ensureClusterPki(dir, ['127.0.0.1', 'localhost']);
  const server = createServer({ cert: fs.readFileSync(pki.certFile), key: fs.readFileSync(pki.keyFile) }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, ca: pki.caCert }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    assert.equal(body, 'ok');
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the kubeconfig names the server, the CA and the token, and is private', async () => {
  const dir = tmp();
  try {
    const file = writeKubeconfig(path.join(dir, 'kubeconfig'), 'dev', 'https://127.0.0.1:6443', { caCert: 'CA PEM', token: 'tok' });
    assert.ok(path.isAbsolute(file));
    assert.equal(fs.statSync(file).mode & 0o077, 0);
    const kc = parse(fs.readFileSync(file, 'utf8')) as {
      clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
      users: { name: string; user: { token: string } }[];
      contexts: { name: string; context: { cluster: string; user: string } }[];
      'current-context': string;
    };
    assert.equal(kc.clusters[0]?.cluster.server, 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(), 'CA PEM');
    assert.equal(kc.users[0]?.user.token, 'tok');
    assert.equal(kc['current-context'], kc.contexts[0]?.name);
    assert.equal(kc.contexts[0]?.context.cluster, kc.clusters[0]?.name);
    assert.equal(kc.contexts[0]?.context.user, kc.users[0]?.name);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
