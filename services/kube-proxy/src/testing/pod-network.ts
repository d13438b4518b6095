// A pod network for kube-proxy's integration tests and the network benchmark, made directly with
// the docker CLI (no kubelet): a bridge network on a subnet of its own, labelled
// `skiff.io/node=<name>`, with skiff/demo-web containers on it (the "pods"); plus a traffic guard
// (REJECT to the test's service range unless it was DNATed or stays on lo), so that a ClusterIP
// the proxy has not programmed yet can never leak out of the host through the default route.
// `cleanup()` removes exactly what was made, found by label and name.

import { execFile } from 'node:child_process';
import { addressAt, parseCidr } from '@skiff/api';

export interface Pod {
  id: string;
  ip: string;
  /** The container's hostname: what demo-web's `GET /` reports. */
  hostname: string;
}

export interface PodNetwork {
  /** Network name = the `skiff.io/node` label value. */
  name: string;
  subnet: string;
  gateway: string;
  pods: Pod[];
  cleanup(): Promise<void>;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], timeoutMs = 60_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.trim();
}

/** Whether root, iptables and Docker with the image are all here (integration tests skip otherwise). */
export async function canRunNetworkTests(image = 'skiff/demo-web:v1'): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  if ((await sh('iptables-save', ['-t', 'nat'])).code !== 0) return 'iptables-save does not work here';
  if ((await sh('docker', ['image', 'inspect', image])).code !== 0) return `docker or the image ${image} is not available (never pulled: build it with scripts/build-images.sh)`;
  return undefined;
}

/** Creates the network (trying a few random 10.<200-249>.x.0/24 subnets) and `pods` demo-web containers. */
export interface PodNetworkOptions {
  /** Network name and `skiff.io/node` label value. */
  name: string;
  pods: number;
  image?: string;
  env?: Record<string, string>;
  /** Extra `docker run` arguments (volumes, ...). */
  runArgs?: string[];
  /** The containers' command (default: the image's). */
  command?: string[];
}

export async function startPodNetwork(opts: PodNetworkOptions): Promise<PodNetwork> {
  const image = opts.image ?? 'skiff/demo-web:v1';
  if ((await sh('docker', ['image', 'inspect', image])).code !== 0) throw new Error(`image ${image} is not available locally (it is never pulled)`);
  const label = `skiff.io/node=${opts.name}`;
  let subnet = '';
  let lastError = '';
  for (let attempt = 0; attempt < 8 && !subnet; attempt++) {
    const candidate = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}.0/24`;
    const gateway = addressAt(parseCidr(candidate), 1);
    const r = await sh('docker', ['network', 'create', '--driver', 'bridge', '--subnet', candidate, '--gateway', gateway, '--label', label, opts.name]);
    if (r.code === 0) subnet = candidate;
    else lastError = r.stderr.trim();
  }
  if (!subnet) throw new Error(`could not create network ${opts.name}: ${lastError}`);
  const net: PodNetwork = {
    name: opts.name,
    subnet,
    /** The bridge's address on the network: this host, as the pods see it. */
    gateway: addressAt(parseCidr(subnet), 1),
    pods: [],
    cleanup: () => removeByLabel(opts.name),
  };
  try {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    for (let i = 0; i < opts.pods; i++) {
      const id = await must('docker', ['run', '-d', '--init', '--pull', 'never', '--network', opts.name, '--label', label, '--name', `${opts.name}-pod${i}`, ...env, ...(opts.runArgs ?? []), image, ...(opts.command ?? [])]);
      const [ip, hostname] = (await must('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}} {{.Config.Hostname}}', id])).split(' ');
      net.pods.push({ id, ip: ip ?? '', hostname: hostname ?? '' });
    }
  } catch (e) {
    await net.cleanup();
    throw e;
  }
  return net;
}

/** Removes the containers and networks labelled `skiff.io/node=<name>`. */
export async function removeByLabel(name: string): Promise<void> {
  const ids = (await sh('docker', ['ps', '-aq', '--filter', `label=skiff.io/node=${name}`])).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await sh('docker', ['rm', '-f', ...ids]);
  const nets = (await sh('docker', ['network', 'ls', '-q', '--filter', `label=skiff.io/node=${name}`])).stdout.split('\n').filter(Boolean);
  for (const n of nets) await sh('docker', ['network', 'rm', n]);
}

/**
 * Turns on hairpin mode on every port of the network's bridge, as kubelet's
 * --hairpin-mode=hairpin-veth does: with br_netfilter, a pod's packet DNATed back to the pod itself
 * leaves through the port it came in by, which a bridge only allows in hairpin mode.
 */
export async function setHairpinMode(network: string): Promise<void> {
  const id = (await must('docker', ['network', 'inspect', '-f', '{{.Id}}', network])).slice(0, 12);
  await must('sh', ['-c', `for p in /sys/class/net/br-${id}/brif/*; do echo 1 > "$p/hairpin_mode"; done`]);
}

export function dockerExec(id: string, cmd: string[], timeoutMs = 15_000): Promise<ExecResult> {
  return sh('docker', ['exec', id, ...cmd], timeoutMs);
}

/**
 * REJECTs traffic to `cidr` in filter OUTPUT and FORWARD unless it leaves through lo: a ClusterIP
 * the proxy has DNATed no longer matches, one it has not would otherwise go out of the default
 * route. Returns the undo.
 */
export async function installTrafficGuard(chain: string, cidr: string): Promise<() => Promise<void>> {
  const rules = [
    `:${chain} - [0:0]`,
    `-A ${chain} -d ${cidr} ! -o lo -m comment --comment "test traffic guard" -j REJECT`,
    `-I OUTPUT 1 -j ${chain}`,
    `-I FORWARD 1 -j ${chain}`,
  ];
  await restore(`*filter\n${rules.join('\n')}\nCOMMIT\n`);
  return async () => {
    await restore(`*filter\n-D OUTPUT -j ${chain}\n-D FORWARD -j ${chain}\n:${chain} - [0:0]\n-X ${chain}\nCOMMIT\n`);
  };
}

function restore(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('iptables-restore', ['--noflush', '-w', '5'], (err, _o, stderr) => (err ? reject(new Error(`iptables-restore: ${String(stderr).trim()}`)) : resolve()));
    child.stdin?.end(text);
  });
}

/** The lines of `iptables-save` (both tables) that mention `word`. */
export async function savedLinesWith(word: string): Promise<string[]> {
  const out = (await sh('iptables-save', [])).stdout;
  return out.split('\n').filter((l) => l.includes(word));
}

/**
 * A UDP "DNS server" for tests: answers every query NXDOMAIN (the query echoed with QR set and
 * rcode 3), bound to one address (a wildcard-bound server would answer a DNATed query from the
 * wrong source address). busybox `nslookup name <server>` in a pod prints "NXDOMAIN" on an answer.
 */
export async function startNxdomainResponder(address: string): Promise<{ port: number; close(): void }> {
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  s.on('message', (m, r) => {
    if (m.length < 12) return;
    const a = Buffer.from(m);
    a[2] = (a[2] ?? 0) | 0x80;
    a[3] = ((a[3] ?? 0) & 0xf0) | 3;
    s.send(a, r.port, r.address);
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, address, () => resolve());
  });
  return { port: s.address().port, close: () => s.close() };
}
