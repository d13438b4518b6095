// A plain HTTP GET from the host, for the suites to talk to pods and components. Traffic may only
// go to loopback or to the project's own containers: callers pass the pod subnets they created
// (from the Docker networks labelled with their nodes), and anything else is refused.

import http from 'node:http';
import net from 'node:net';

export interface HttpResponse {
  status: number;
  body: string;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

/** True when `ip` lies in `cidr` (IPv4 "a.b.c.d/n"). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  if (!base || !net.isIPv4(ip) || !net.isIPv4(base) || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(base) & mask);
}

export function isLoopback(ip: string): boolean {
  return inCidr(ip, '127.0.0.0/8') || ip === 'localhost' || ip === '::1';
}

export function httpGet(ip: string, port: number, path: string, opts: { timeoutMs?: number; allowedCidrs?: readonly string[] } = {}): Promise<HttpResponse> {
  if (!isLoopback(ip) && !(opts.allowedCidrs ?? []).some((c) => inCidr(ip, c))) {
    return Promise.reject(new Error(`refusing to send HTTP to ${ip}: not loopback and not in the cluster's own pod networks (${(opts.allowedCidrs ?? []).join(', ') || 'none'})`));
  }
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${ip}:${port}${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The value of a Prometheus sample `name{...} value` (the first line whose labels contain every `labels` pair), or undefined. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labelText = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}
