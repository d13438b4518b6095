// Waiting, with a deadline, for a component's readiness endpoint and for the nodes to be Ready.

import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { findCondition, type Lease, type Node } from '@skiff/api';
import { ApiClient } from '@skiff/client';

/** GET `url`; resolves with undefined on 200, else with what went wrong. */
export function probe(url: string, timeoutMs = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 2_000) body += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode ?? '?'}: ${body.trim().split('\n').slice(0, 5).join('; ')}`));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

export class WaitError extends Error {
  constructor(
    message: string,
    readonly lastProblem: string | undefined,
  ) {
    super(message);
    this.name = 'WaitError';
  }
}

export interface WaitOptions {
  /** Absolute time (ms since epoch) to give up at. */
  deadline: number;
  signal?: AbortSignal | undefined;
  pollMs?: number;
  /** Resolves (with a reason) when waiting is pointless, e.g. the process exited. */
  gaveUp?: Promise<string>;
}

/**
 * Calls `check` until it returns undefined (done). Throws WaitError at the deadline or when
 * `gaveUp` resolves, with the last problem `check` reported; throws the abort reason on abort.
 */
export async function waitUntil(what: string, check: () => Promise<string | undefined>, opts: WaitOptions): Promise<void> {
  let last: string | undefined;
  let gaveUp: string | undefined;
  void opts.gaveUp?.then((why) => {
    gaveUp = why;
  });
  for (;;) {
    opts.signal?.throwIfAborted();
    if (gaveUp !== undefined) throw new WaitError(`${what}: ${gaveUp}${last ? ` (last check: ${last})` : ''}`, last);
    last = await check();
    if (last === undefined) return;
    if (gaveUp !== undefined) continue;
    if (Date.now() >= opts.deadline) throw new WaitError(`${what}: timed out${last ? ` (last check: ${last})` : ''}`, last);
    try {
      await sleep(opts.pollMs ?? 100, undefined, opts.signal ? { signal: opts.signal } : {});
    } catch {
      opts.signal?.throwIfAborted();
    }
  }
}

/** Allowed difference between this machine's clock and the times the kubelets write (RFC 3339, seconds). */
const CLOCK_SLACK_MS = 2_000;

function since(time: string | undefined, startedAtMs: number): boolean {
  if (time === undefined) return false;
  const t = Date.parse(time);
  return Number.isFinite(t) && t >= startedAtMs - CLOCK_SLACK_MS;
}

/**
 * Whether a node is Ready *now*: its Ready condition is True and the kubelet we started has
 * reported since `startedAtMs` (heartbeat or transition time, or the node's Lease renewal). A Node
 * object kept in etcd from a previous run says Ready until something notices its kubelet is gone.
 */
export function nodeFreshlyReady(node: Readonly<Node>, lease: Readonly<Lease> | undefined, startedAtMs: number): string | undefined {
  const ready = findCondition(node.status?.conditions, 'Ready');
  if (ready === undefined) return 'no Ready condition yet';
  if (ready.status !== 'True') return `Ready=${ready.status}${ready.message ? `: ${ready.message}` : ''}`;
  if (since(ready.lastHeartbeatTime, startedAtMs) || since(ready.lastTransitionTime, startedAtMs) || since(lease?.spec.renewTime, startedAtMs)) {
    return undefined;
  }
  return 'Ready, but not reported by the kubelet started now (stale status)';
}

/** Waits until every named node is freshly Ready, as seen through the apiserver. */
export async function waitForNodesReady(server: string, names: readonly string[], startedAtMs: number, opts: WaitOptions): Promise<void> {
  const client = new ApiClient({ server, timeoutMs: 5_000 });
  try {
    await waitUntil(
      `${names.length} node${names.length === 1 ? '' : 's'} Ready`,
      async () => {
        try {
          const list = await client.list<Node>('nodes');
          const byName = new Map(list.items.map((n) => [n.metadata.name, n]));
          const problems: string[] = [];
          for (const name of names) {
            const node = byName.get(name);
            if (node === undefined) {
              problems.push(`${name}: not registered`);
              continue;
            }
            let problem = nodeFreshlyReady(node, undefined, startedAtMs);
            if (problem !== undefined && problem.includes('stale')) {
              const lease = await client.get<Lease>('leases', 'kube-node-lease', name).catch(() => undefined);
              problem = nodeFreshlyReady(node, lease, startedAtMs);
            }
            if (problem !== undefined) problems.push(`${name}: ${problem}`);
          }
          return problems.length === 0 ? undefined : problems.join('; ');
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      },
      { pollMs: 200, ...opts },
    );
  } finally {
    client.close();
  }
}
