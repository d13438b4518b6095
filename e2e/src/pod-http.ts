// Traffic from inside a pod, as a pod's own program would send it: `skiff exec POD -- sh -c ...`
// with busybox `nc` carrying a plain HTTP/1.0 request (so a 404 or 503 is seen as such, where wget
// only exits 1), busybox `wget` where a user would type it, and busybox `nslookup` for DNS. Both nc
// and wget resolve names through the pod's /etc/resolv.conf with its search path, as libc does.
// (busybox 1.35's `wget -T N` segfaults, exit 139: the timeout is `timeout N wget ...` instead.)

import type { Cluster } from './harness.js';
import { showRun, type RunResult } from './run-cli.js';

export interface PodHttpResponse {
  /** The status code, or undefined when no HTTP response came back (see `error`). */
  status: number | undefined;
  body: string;
  /** What nc said when there was no response (refused, bad address, timeout). */
  error: string | undefined;
}

export interface PodHttpOptions {
  namespace: string;
  /** The Host header (default: the host requested). */
  hostHeader?: string;
  /** nc's -w: seconds to wait for the connection and for data. Default 5. */
  timeoutSeconds?: number;
  /** The pod's container, when it has more than one. */
  container?: string;
}

const SEP = '@@e2e-end rc=';

/** A request line, Host header and blank line, then nc; run `count` times, each followed by SEP and nc's exit code. */
const SCRIPT = [
  'i=0',
  'while [ "$i" -lt "$6" ]; do',
  '  printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" "$1" "$2" | nc -w "$5" "$3" "$4" 2>&1',
  `  echo "${SEP}$?"`,
  '  i=$((i+1))',
  'done',
].join('\n');

export function parseHttpResponse(raw: string, rc: number): PodHttpResponse {
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r?\n/.exec(raw);
  if (!m) return { status: undefined, body: raw, error: `${raw.trim() || '(no output)'} (nc exit ${rc})` };
  const headerEnd = raw.indexOf('\r\n\r\n');
  const body = headerEnd >= 0 ? raw.slice(headerEnd + 4) : raw.slice(m[0].length);
  return { status: Number(m[1]), body, error: undefined };
}

/** Splits the output of `count` requests (each ending with the separator line) into responses. */
export function splitResponses(stdout: string): PodHttpResponse[] {
  const out: PodHttpResponse[] = [];
  let rest = stdout;
  for (;;) {
    const i = rest.indexOf(SEP);
    if (i < 0) break;
    const nl = rest.indexOf('\n', i);
    const rc = Number(rest.slice(i + SEP.length, nl < 0 ? undefined : nl));
    out.push(parseHttpResponse(rest.slice(0, i), rc));
    rest = nl < 0 ? '' : rest.slice(nl + 1);
  }
  return out;
}

function execArgs(pod: string, opts: PodHttpOptions): string[] {
  return ['exec', '-n', opts.namespace, ...(opts.container ? ['-c', opts.container] : []), pod, '--'];
}

/**
 * `count` GET requests, one connection each, from inside `pod` to host:port/path. Returns every
 * response; throws only when `skiff exec` itself fails (the pod is not there, exec broke).
 */
export async function httpFromPodN(
  cluster: Cluster,
  pod: string,
  target: { host: string; port: number; path?: string },
  count: number,
  opts: PodHttpOptions,
): Promise<{ responses: PodHttpResponse[]; run: RunResult }> {
  const t = opts.timeoutSeconds ?? 5;
  const args = [...execArgs(pod, opts), 'sh', '-c', SCRIPT, 'sh', target.path ?? '/', opts.hostHeader ?? target.host, target.host, String(target.port), String(t), String(count)];
  const run = await cluster.skiffWith(args, { timeoutMs: 30_000 + count * (t + 1) * 1000 });
  if (run.code !== 0) throw new Error(`skiff exec in ${opts.namespace}/${pod} failed:\n${showRun(run)}`);
  const responses = splitResponses(run.stdout);
  if (responses.length !== count) throw new Error(`expected ${count} responses from ${pod}, parsed ${responses.length}:\n${showRun(run)}`);
  return { responses, run };
}

/** One GET from inside `pod`. */
export async function httpFromPod(cluster: Cluster, pod: string, target: { host: string; port: number; path?: string }, opts: PodHttpOptions): Promise<PodHttpResponse> {
  const { responses } = await httpFromPodN(cluster, pod, target, 1, opts);
  return responses[0] as PodHttpResponse;
}

export function describeResponse(r: PodHttpResponse): string {
  return r.status === undefined ? `no response: ${r.error ?? ''}` : `${r.status} ${JSON.stringify(r.body.slice(0, 200))}`;
}

/** The `hostname:` line demo-web's GET / prints (the pod's name). */
export function servedBy(body: string): string | undefined {
  return /^hostname: (\S+)$/m.exec(body)?.[1];
}

/** The `version:` line of demo-web's GET / (v1, v2). */
export function versionOf(body: string): string | undefined {
  return /^version: (\S+)$/m.exec(body)?.[1];
}

export interface LookupResult {
  /** IPv4 addresses of the answer section. */
  addresses: string[];
  output: string;
  code: number | null;
}

/** busybox `nslookup NAME` inside the pod (through its /etc/resolv.conf): the IPv4 answers. */
export async function nslookupFromPod(cluster: Cluster, pod: string, name: string, opts: { namespace: string; container?: string }): Promise<LookupResult> {
  const run = await cluster.skiffWith([...execArgs(pod, opts), 'nslookup', '-type=a', name], { timeoutMs: 30_000 });
  if (run.code === null) throw new Error(`nslookup hung:\n${showRun(run)}`);
  if (/no such pod|not found: pods?/i.test(run.stderr)) throw new Error(showRun(run));
  return { addresses: parseNslookup(run.stdout), output: `${run.stdout}${run.stderr}`, code: run.code };
}

/** The IPv4 addresses after the server block of busybox nslookup's output. */
export function parseNslookup(out: string): string[] {
  const blocks = out.split(/\n\s*\n/);
  const answers = blocks.slice(1).join('\n');
  return [...answers.matchAll(/^Address:?\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1] as string);
}

/** `cat FILE` in the pod. */
export async function podFile(cluster: Cluster, pod: string, file: string, namespace: string): Promise<string> {
  const run = await cluster.skiffWith(['exec', '-n', namespace, pod, '--', 'cat', file], { timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(showRun(run));
  return run.stdout;
}

/** `timeout T wget -q -O- URL` in the pod, as a user types it; returns the body, throws with the run on failure. */
export async function wgetFromPod(cluster: Cluster, pod: string, url: string, opts: { namespace: string; timeoutSeconds?: number }): Promise<string> {
  const t = String(opts.timeoutSeconds ?? 5);
  const run = await cluster.skiffWith(['exec', '-n', opts.namespace, pod, '--', 'timeout', t, 'wget', '-q', '-O-', url], { timeoutMs: 30_000 });
  if (run.code !== 0) throw new Error(showRun(run));
  return run.stdout;
}
