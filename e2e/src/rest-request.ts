// Raw HTTPS requests to the Kubernetes REST API, with the server, CA and token of the kubeconfig
// `skiff up` wrote (read with @kubernetes/client-node's KubeConfig, as any tool would): for what
// kubectl cannot send (no token, a wrong content type, a malformed upgrade) and for the benchmark.

import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface RestTarget {
  server: URL;
  ca: Buffer;
  token: string;
}

export function restTarget(kubeconfig: string): RestTarget {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) throw new Error(`${kubeconfig}: no current cluster`);
  if (!cluster.server.startsWith('https://')) throw new Error(`${kubeconfig}: server ${cluster.server} is not https`);
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : cluster.caFile ? undefined : undefined;
  if (!ca) throw new Error(`${kubeconfig}: no certificate-authority-data for ${cluster.name}`);
  if (!user?.token) throw new Error(`${kubeconfig}: no token for the current user`);
  return { server: new URL(cluster.server), ca, token: user.token };
}

export interface RestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RestRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the kubeconfig's bearer token (default true). */
  auth?: boolean;
  token?: string;
  timeoutMs?: number;
  agent?: https.Agent;
}

export function restRequest(t: RestTarget, req: RestRequest): Promise<RestResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
  if (req.auth !== false) headers['Authorization'] = `Bearer ${req.token ?? t.token}`;
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
  return new Promise((resolve, reject) => {
    const r = https.request(
      {
        host: t.server.hostname,
        port: t.server.port,
        path: req.path,
        method: req.method ?? 'GET',
        headers,
        ca: t.ca,
        timeout: req.timeoutMs ?? 10_000,
        ...(req.agent ? { agent: req.agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${req.method ?? 'GET'} ${req.path}: no answer within ${req.timeoutMs ?? 10_000} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A Kubernetes `Status` body, or undefined when the body is not one. */
export interface StatusBody {
  kind: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { field?: string; message?: string; reason?: string }[] };
}

export function statusOf(r: RestResponse): StatusBody | undefined {
  try {
    const b = JSON.parse(r.body) as StatusBody;
    return b.kind === 'Status' ? b : undefined;
  } catch {
    return undefined;
  }
}

export function showResponse(r: RestResponse): string {
  return `HTTP ${r.status} ${String(r.headers['content-type'] ?? '')}\n${r.body.length > 2000 ? `${r.body.slice(0, 2000)}…` : r.body}`;
}
