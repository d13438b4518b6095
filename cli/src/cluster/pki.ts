// The cluster's certificates and token for the Kubernetes REST API: a CA, the apiserver's serving
// certificate signed by it (SANs: the control-plane host, 127.0.0.1, localhost), a random bearer
// token in Kubernetes' static token file, and the kubeconfig that ties them together. Made once
// per cluster directory and reused on later `skiff up`s, so an exported KUBECONFIG stays valid.

import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { stringify } from 'yaml';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface ClusterPki {
  caCertFile: string;
  certFile: string;
  keyFile: string;
  tokenFile: string;
  caCert: string;
  token: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const CERT_YEARS = 1;
/** The user the token authenticates as (the static token file's user and group columns). */
export const ADMIN_USER = 'skiff-admin';
const ADMIN_GROUPS = 'system:masters';

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function years(n: number): Date {
  const d = new Date();
  d.setFullYear(d.getFullYear() + n);
  return d;
}

function serial(): string {
  // A positive 16-byte serial number.
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

async function importKey(file: string): Promise<webcrypto.CryptoKey> {
  const text = fs.readFileSync(file, 'utf8');
  const der = Buffer.from(text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** The CA, serving certificate, key and token under `dir`, created where missing. */
export async function ensureClusterPki(dir: string, hosts: readonly string[]): Promise<ClusterPki> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCertFile: path.join(dir, 'ca.crt'),
    caKeyFile: path.join(dir, 'ca.key'),
    certFile: path.join(dir, 'apiserver.crt'),
    keyFile: path.join(dir, 'apiserver.key'),
    tokenFile: path.join(dir, 'tokens.csv'),
  };
  const write = (file: string, text: string, mode = 0o600): void => fs.writeFileSync(file, text, { mode });

  let freshCa = false;
  if (!fs.existsSync(files.caCertFile) || !fs.existsSync(files.caKeyFile)) {
    const keys = await generateKeys();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=skiff-ca',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: years(CA_YEARS),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    write(files.caKeyFile, await exportKey(keys.privateKey));
    write(files.caCertFile, ca.toString('pem'), 0o644);
    freshCa = true;
  }
  const caCert = fs.readFileSync(files.caCertFile, 'utf8');

  const wanted = [...new Set(hosts)].sort();
  const sansOf = (cert: x509.X509Certificate): string[] => {
    const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
    return (ext?.names.items ?? []).map((n) => n.value).sort();
  };
  let reuse = !freshCa && fs.existsSync(files.certFile) && fs.existsSync(files.keyFile);
  if (reuse) {
    const cert = new x509.X509Certificate(fs.readFileSync(files.certFile, 'utf8'));
    reuse = cert.notAfter.getTime() > Date.now() + 86_400_000 && JSON.stringify(sansOf(cert)) === JSON.stringify(wanted);
  }
  if (!reuse) {
    const caKey = await importKey(files.caKeyFile);
    const ca = new x509.X509Certificate(caCert);
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: 'CN=skiff-apiserver',
      issuer: ca.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: years(CERT_YEARS),
      publicKey: keys.publicKey,
      signingKey: caKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(wanted.map((h) => ({ type: isIp(h) ? ('ip' as const) : ('dns' as const), value: h }))),
        await x509.AuthorityKeyIdentifierExtension.create(ca),
      ],
    });
    write(files.keyFile, await exportKey(keys.privateKey));
    write(files.certFile, cert.toString('pem'), 0o644);
  }

  if (!fs.existsSync(files.tokenFile)) {
    write(files.tokenFile, `${randomBytes(32).toString('base64url')},${ADMIN_USER},${ADMIN_USER},"${ADMIN_GROUPS}"\n`);
  }
  const token = fs.readFileSync(files.tokenFile, 'utf8').split('\n')[0]?.split(',')[0] ?? '';
  return { caCertFile: files.caCertFile, certFile: files.certFile, keyFile: files.keyFile, tokenFile: files.tokenFile, caCert, token };
}

/** A kubeconfig for `server` (https://host:port) trusting the cluster CA, with the token. */
export function kubeconfigYaml(cluster: string, server: string, caCert: string, token: string): string {
  const context = `skiff-${cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: context, cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: `${context}-admin`, user: { token } }],
    contexts: [{ name: context, context: { cluster: context, user: `${context}-admin`, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
  });
}

/** Writes the kubeconfig (mode 0600: it holds the token); returns its absolute path. */
export function writeKubeconfig(file: string, cluster: string, server: string, pki: Pick<ClusterPki, 'caCert' | 'token'>): string {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, kubeconfigYaml(cluster, server, pki.caCert, pki.token), { mode: 0o600 });
  return abs;
}
