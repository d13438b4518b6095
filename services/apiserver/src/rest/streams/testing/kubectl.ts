// Driving the real kubectl at the streaming subresources, for tests: `kubectl exec` with stdin,
// and `kubectl port-forward` kept running until stopped. Skipped by callers when kubectl is absent.

import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

export const KUBECTL = '/usr/bin/kubectl';
export const kubectlMissing: string | false = existsSync(KUBECTL) ? false : `${KUBECTL} is not installed`;

/** Writes a kubeconfig for `https://127.0.0.1:PORT` with the CA and a bearer token. */
export function writeKubeconfig(file: string, port: number, ca: string, token: string): void {
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: skiff, cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${Buffer.from(ca).toString('base64')}}}]`,
      `users: [{name: admin, user: {token: "${token}"}}]`,
      'contexts: [{name: skiff, context: {cluster: skiff, user: admin}}]',
      'current-context: skiff',
      '',
    ].join('\n'),
  );
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

export interface PortForward {
  localPort: number;
  /** What kubectl printed so far. */
  output(): string;
  /** Resolves with kubectl's exit code when it exits by itself. */
  readonly exited: Promise<number>;
  stop(): Promise<void>;
}

/** Starts `kubectl port-forward TARGET :REMOTE` and waits for its "Forwarding from" line. */
export function portForward(target: string, remotePort: number, env: NodeJS.ProcessEnv): Promise<PortForward> {
  const child = spawn(KUBECTL, ['port-forward', target, `:${remotePort}`, '--address', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return new Promise((resolve, reject) => {
    const onOut = (b: Buffer): void => {
      text += b.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
      if (!m) return;
      resolve({
        localPort: Number(m[1]),
        output: () => text,
        exited,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onOut);
    child.stderr.on('data', onOut);
    void exited.then((code) => reject(new Error(`kubectl port-forward exited with ${code}: ${text}`)));
  });
}

/** Sends `data` over a TCP connection to 127.0.0.1:port, half-closes, and returns all it got back. */
export function roundTrip(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port }, () => c.end(data));
    const chunks: Buffer[] = [];
    c.on('data', (b: Buffer) => chunks.push(b));
    c.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    c.on('error', reject);
  });
}
