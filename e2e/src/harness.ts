// Starts a real local cluster for a suite the way a user does (`skiff up` in a fresh SKIFF_HOME),
// and gives the suite what it needs to act and look as a user would: the `skiff` CLI bound to that
// cluster, an API client, the Docker engine (read-only inspection, plus `docker kill` of the
// cluster's own containers), the cluster's processes (to kill and start them again exactly as
// `skiff up` did), and a teardown that runs `skiff down --purge` and then checks, by the nodes'
// labels, that nothing of the cluster is left (removing only what is, and reporting it).

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import type { KubeObject, Node, Pod } from '@skiff/api';
import { findCondition } from '@skiff/api';
import { ApiClient, readConfig } from '@skiff/client';
import { componentFlag, observabilityUrl, readClusterState, type ClusterStateFile, type ComponentKind } from './cluster-state.js';
import { findNetworkLeftovers, removeNetworkLeftovers, snapshotNetwork, type NetworkLeftovers, type NetworkSnapshot } from './net-cleanup.js';
import { networkPlan, type NetworkPlan } from './network-plan.js';
import { httpGet, inCidr, type HttpResponse } from './http-get.js';
import { isAlive, readProcessImage, signal, terminate, waitForExit, type ProcessImage } from './procs.js';
import { REPO_ROOT, runSkiff, showRun, type RunOptions, type RunResult } from './run-cli.js';
import { waitFor } from './wait-for.js';

export { waitFor } from './wait-for.js';
export { httpGet, metricValue } from './http-get.js';
export { showRun, type RunResult } from './run-cli.js';

export interface StartOptions {
  /** Cluster name prefix; a random suffix is added: `e2e-3f9a1c`. */
  prefix?: string;
  nodes?: number;
  upTimeoutMs?: number;
  /** Progress lines (default: to stderr, prefixed with the cluster name). */
  log?: (line: string) => void;
  /**
   * Flags appended to every component of a kind, passed as `skiff up --component-arg KIND=FLAG`
   * (one flag per element, in `--flag=value` form).
   */
  extraArgs?: Partial<Record<ComponentKind, readonly string[]>>;
  /** More `skiff up` flags, e.g. ['--proxy-mode', 'userspace']. */
  upArgs?: readonly string[];
}

/** A component process of the cluster as the harness knows it now (after any restart). */
export interface ClusterProcess {
  name: string;
  kind: ComponentKind;
  node: string | undefined;
  pid: number;
  /** The log file `skiff up` gave it (restarts append to it). */
  log: string;
  /** http://host:port of /metrics, /healthz, /readyz (not for etcd). */
  url: string | undefined;
  /** Command line, environment and cwd, captured from /proc right after `skiff up`. */
  image: ProcessImage | undefined;
  /** True once the harness itself started it again: `skiff down` does not know this pid. */
  restartedByHarness: boolean;
}

export interface TeardownReport {
  down: RunResult | undefined;
  /** Processes of the cluster still alive after `skiff down` (then terminated by the harness). */
  leftoverProcesses: string[];
  /** Containers with a `skiff.io/node` label of the cluster's nodes left after `skiff down` (then removed). */
  leftoverContainers: string[];
  /** Networks labelled with the cluster's nodes left after `skiff down` (then removed). */
  leftoverNetworks: string[];
  /**
   * iptables rules/chains (its chain prefix, its nodes' DOCKER-USER rules), routes to its pod CIDRs
   * and ClusterIPs on lo left after `skiff down` (then removed).
   */
  leftoverNetwork: NetworkLeftovers;
}

export interface ContainerQuery {
  /** Extra label equalities, ANDed with the node label. */
  labels?: Record<string, string>;
  /** Include stopped containers (`docker ps -a`). */
  all?: boolean;
}

export class Cluster {
  readonly name: string;
  readonly home: string;
  readonly dir: string;
  readonly state: ClusterStateFile;
  readonly client: ApiClient;
  readonly docker: Docker;
  readonly nodes: string[];
  /** Environment for the CLI: SKIFF_HOME (and SKIFF_CONFIG when the config is not the home's default). */
  readonly env: Record<string, string>;
  readonly upResult: RunResult;
  private readonly procs: Map<string, ClusterProcess>;
  private readonly log: (line: string) => void;
  private podCidrs: string[] = [];
  private netSnapshot: NetworkSnapshot | undefined;
  private teardown: Promise<TeardownReport> | undefined;

  constructor(init: {
    name: string;
    home: string;
    state: ClusterStateFile;
    client: ApiClient;
    docker: Docker;
    env: Record<string, string>;
    upResult: RunResult;
    log: (line: string) => void;
  }) {
    this.name = init.name;
    this.home = init.home;
    this.state = init.state;
    this.dir = init.state.dir ?? path.join(init.home, 'clusters', init.name);
    this.client = init.client;
    this.docker = init.docker;
    this.env = init.env;
    this.upResult = init.upResult;
    this.log = init.log;
    this.nodes = init.state.nodes.map((n) => n.name);
    this.procs = new Map(
      init.state.components.map((c) => [
        c.name,
        {
          name: c.name,
          kind: c.kind,
          node: c.node,
          pid: c.pid,
          log: c.log,
          url: observabilityUrl(init.state, c),
          image: readProcessImage(c.pid),
          restartedByHarness: false,
        },
      ]),
    );
  }

  /** `skiff ARGS...` against this cluster; never throws on a non-zero exit. */
  skiff(...args: string[]): Promise<RunResult> {
    return this.skiffWith(args);
  }

  skiffWith(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return runSkiff(args, { timeoutMs: 60_000, ...opts, env: { ...this.env, ...opts.env } });
  }

  /** `skiff ARGS...` that must succeed: returns stdout, throws with the whole run otherwise. */
  async skiffOk(...args: string[]): Promise<string> {
    const r = await this.skiff(...args);
    if (r.code !== 0) throw new Error(`expected success:\n${showRun(r)}`);
    return r.stdout;
  }

  /** The cluster's address plan (cluster CIDR, service range, DNS, ingress, chain prefix), from state.json. */
  network(): NetworkPlan {
    return networkPlan(this.state);
  }

  /** A flag `skiff up` gave the (first) component of a kind, from state.json; undefined when not given. */
  flagOf(kind: ComponentKind, flag: string): string | undefined {
    const c = this.state.components.find((x) => x.kind === kind);
    return c ? componentFlag(c, flag) : undefined;
  }

  processes(): ClusterProcess[] {
    return [...this.procs.values()];
  }

  process(name: string): ClusterProcess {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no component "${name}" in ${this.dir}/state.json (have: ${[...this.procs.keys()].join(', ')})`);
    return p;
  }

  processOf(kind: ComponentKind, node?: string): ClusterProcess {
    const p = this.processes().find((x) => x.kind === kind && (node === undefined || x.node === node));
    if (!p) throw new Error(`no ${kind}${node ? ` for node ${node}` : ''} in ${this.dir}/state.json`);
    return p;
  }

  /** Sends a signal to a component and waits for it to exit (SIGSTOP is not a stop: use TERM or KILL). */
  async stopProcess(name: string, sig: 'SIGTERM' | 'SIGKILL', timeoutMs = 30_000): Promise<void> {
    const p = this.process(name);
    if (!p.image) throw new Error(`${name}: its command line was not captured at start (pid ${p.pid} was not readable in /proc)`);
    if (!isAlive(p.pid)) throw new Error(`${name} (pid ${p.pid}) is not running`);
    signal(p.pid, sig);
    if (!(await waitForExit(p.pid, timeoutMs))) throw new Error(`${name} (pid ${p.pid}) still running ${timeoutMs} ms after ${sig}`);
    this.log(`${name} (pid ${p.pid}) stopped with ${sig}`);
  }

  /**
   * Starts a stopped component again with the command line, environment and working directory it
   * had, detached, its output appended to its log file. Returns the new pid. `extraArgs` are
   * appended to the command line (and kept for later restarts): `skiff up` has no way to pass a
   * component flags, so a suite that needs, say, a short node-monitor grace period restarts the
   * controller-manager with it.
   */
  async startProcessAgain(name: string, opts: { extraArgs?: readonly string[] } = {}): Promise<number> {
    const p = this.process(name);
    const captured = p.image;
    if (!captured) throw new Error(`${name}: no captured command line`);
    if (isAlive(p.pid)) throw new Error(`${name} (pid ${p.pid}) is still running`);
    const image = { ...captured, argv: [...captured.argv, ...(opts.extraArgs ?? [])] };
    const [cmd, ...args] = image.argv;
    if (!cmd) throw new Error(`${name}: empty command line`);
    fs.mkdirSync(path.dirname(p.log), { recursive: true });
    fs.appendFileSync(p.log, `\n--- ${new Date().toISOString()} e2e harness: starting ${name} again: ${image.argv.join(' ')}\n`);
    const fd = fs.openSync(p.log, 'a');
    let pid: number;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        const child = spawn(cmd, args, { cwd: image.cwd, env: image.env, detached: true, stdio: ['ignore', fd, fd] });
        child.once('error', reject);
        child.once('spawn', () => {
          child.unref();
          if (child.pid === undefined) reject(new Error(`${name}: no pid after spawn`));
          else resolve(child.pid);
        });
      });
    } finally {
      fs.closeSync(fd);
    }
    p.pid = pid;
    p.image = { ...image, pid };
    p.restartedByHarness = true;
    this.log(`${name} started again as pid ${pid} (log ${p.log})`);
    return pid;
  }

  /** SIGTERM, then starts the component again with `extraArgs` appended to its command line. */
  async restartProcessWith(name: string, extraArgs: readonly string[]): Promise<number> {
    await this.stopProcess(name, 'SIGTERM');
    return this.startProcessAgain(name, { extraArgs });
  }

  /** The last lines of a component's log, for failure messages. */
  logTail(name: string, lines = 30): string {
    try {
      const text = fs.readFileSync(this.process(name).log, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch (e) {
      return `(no log: ${e instanceof Error ? e.message : String(e)})`;
    }
  }

  /** Containers of this cluster's nodes (by `skiff.io/node`), optionally narrowed by more labels. */
  async containers(q: ContainerQuery = {}): Promise<Docker.ContainerInfo[]> {
    const extra = Object.entries(q.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    const lists = await Promise.all(
      this.nodes.map((n) => this.docker.listContainers({ all: q.all ?? false, filters: { label: [`skiff.io/node=${n}`, ...extra] } })),
    );
    return lists.flat();
  }

  /** Subnets of the Docker networks the cluster's kubelets created (label `skiff.io/node`). */
  async refreshPodCidrs(): Promise<string[]> {
    const ours = await this.networks();
    this.podCidrs = ours.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string'));
    return this.podCidrs;
  }

  /** Docker networks labelled with one of the cluster's nodes (label filters AND: one query per node). */
  async networks(): Promise<Docker.NetworkInspectInfo[]> {
    const lists = await Promise.all(this.nodes.map((n) => this.docker.listNetworks({ filters: { label: [`skiff.io/node=${n}`] } })));
    return lists.flat();
  }

  /** HTTP GET from the host to loopback or to an IP on one of the cluster's own pod networks. */
  async httpGet(ip: string, port: number, pathname: string, timeoutMs = 5000): Promise<HttpResponse> {
    if (!this.podCidrs.some((c) => inCidr(ip, c))) await this.refreshPodCidrs();
    return httpGet(ip, port, pathname, { timeoutMs, allowedCidrs: this.podCidrs });
  }

  async readyNodes(): Promise<string[]> {
    const list = await this.client.list<Node>('nodes');
    return list.items.filter((n) => findCondition((n.status as Node['status'])?.conditions, 'Ready')?.status === 'True').map((n) => n.metadata.name ?? '');
  }

  /** Pods matching a selector, without those being deleted. */
  async livePods(namespace: string, labelSelector: string): Promise<Pod[]> {
    const list = await this.client.list<Pod>('pods', { namespace, labelSelector });
    return list.items.filter((p) => !p.metadata.deletionTimestamp);
  }

  /** Copies the cluster's logs somewhere that survives `skiff down --purge`; returns the directory. */
  saveLogs(): string {
    const dest = path.join(os.tmpdir(), 'skiff-e2e-logs', this.name);
    fs.mkdirSync(dest, { recursive: true });
    for (const p of this.processes()) {
      try {
        fs.copyFileSync(p.log, path.join(dest, path.basename(p.log)));
      } catch {
        // a component without a log file: nothing to keep
      }
    }
    fs.writeFileSync(path.join(dest, 'skiff-up.txt'), showRun(this.upResult));
    return dest;
  }

  /** `skiff down --purge`, then checks by label and pid that nothing is left; idempotent. */
  down(): Promise<TeardownReport> {
    this.teardown ??= this.doDown();
    return this.teardown;
  }

  private async doDown(): Promise<TeardownReport> {
    const report: TeardownReport = {
      down: undefined,
      leftoverProcesses: [],
      leftoverContainers: [],
      leftoverNetworks: [],
      leftoverNetwork: { iptables: [], routes: [], loAddresses: [] },
    };
    // What the cluster programmed on the host (pod CIDRs, ClusterIPs), read while the apiserver is up.
    this.netSnapshot = await snapshotNetwork(this, this.netSnapshot);
    this.client.close();
    // Kubelets the harness started again are unknown to `skiff down`: stop them first, so none
    // recreates containers while `skiff down` removes them.
    for (const p of this.processes().filter((x) => x.restartedByHarness && x.kind === 'kubelet')) await terminate(p.pid);
    try {
      report.down = await runSkiff(['down', '--name', this.name, '--purge'], { env: this.env, timeoutMs: 120_000 });
      if (report.down.code !== 0) this.log(`skiff down failed:\n${showRun(report.down)}`);
    } catch (e) {
      this.log(`skiff down could not run: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const p of this.processes()) {
      if (!isAlive(p.pid)) continue;
      if (!p.restartedByHarness) report.leftoverProcesses.push(`${p.name} (pid ${p.pid})`);
      await terminate(p.pid);
    }
    for (const c of await this.containers({ all: true })) {
      report.leftoverContainers.push(`${c.Id.slice(0, 12)} ${c.Labels['skiff.io/node'] ?? ''}/${c.Labels['skiff.io/pod-name'] ?? ''}/${c.Labels['skiff.io/container-name'] ?? ''} (${c.State})`);
      await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    for (const n of await this.networks()) {
      report.leftoverNetworks.push(n.Name);
      await this.docker.getNetwork(n.Id).remove().catch(() => undefined);
    }
    try {
      report.leftoverNetwork = await findNetworkLeftovers(this.netSnapshot);
      const removed = await removeNetworkLeftovers(this.netSnapshot, report.leftoverNetwork);
      for (const line of removed) this.log(`teardown: ${line}`);
    } catch (e) {
      this.log(`teardown: network leftover check failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    fs.rmSync(this.home, { recursive: true, force: true });
    return report;
  }
}

/** Runs `skiff up --name <prefix>-<random> --ports auto --nodes N` in a fresh SKIFF_HOME. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const name = `${opts.prefix ?? 'e2e'}-${crypto.randomBytes(3).toString('hex')}`;
  const log = opts.log ?? ((line: string) => process.stderr.write(`[${name}] ${line}\n`));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `skiff-${name}-`));
  const env: Record<string, string> = { SKIFF_HOME: home };
  const docker = new Docker();
  log(`skiff up (SKIFF_HOME=${home})`);
  const componentArgs = Object.entries(opts.extraArgs ?? {}).flatMap(([kind, flags]) => (flags ?? []).flatMap((f) => ['--component-arg', `${kind}=${f}`]));
  const up = await runSkiff(['up', '--name', name, '--ports', 'auto', '--nodes', String(opts.nodes ?? 2), ...componentArgs, ...(opts.upArgs ?? [])], {
    env,
    timeoutMs: opts.upTimeoutMs ?? 180_000,
  });
  const stateFile = path.join(home, 'clusters', name, 'state.json');
  const failUp = async (why: string): Promise<never> => {
    const logs = collectLogTails(path.join(home, 'clusters', name, 'logs'));
    // Best effort: stop whatever did start, by the state file and by the node labels.
    const down = await runSkiff(['down', '--name', name, '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
    const nodes = Array.from({ length: opts.nodes ?? 2 }, (_, i) => `${name}-node-${i + 1}`);
    for (const n of nodes) {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`skiff.io/node=${n}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      }
    }
    fs.rmSync(home, { recursive: true, force: true });
    throw new Error(`${why}\n${showRun(up)}\n${logs}${down ? `\n(cleanup) ${showRun(down)}` : ''}`);
  };
  if (up.code !== 0) return failUp('skiff up failed');
  let state: ClusterStateFile;
  try {
    state = readClusterState(stateFile);
  } catch (e) {
    return failUp(`cannot read ${stateFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The CLI reads $SKIFF_HOME/config.json unless SKIFF_CONFIG names another file; `skiff up`
  // writes the home's config, or (for clusters other than the default one) the cluster's own.
  const candidates = [path.join(home, 'config.json'), state.configPath, path.join(home, 'clusters', name, 'config.json')].filter(
    (f): f is string => typeof f === 'string',
  );
  const configFile = candidates.find((f) => readConfig(f)?.server === state.apiserver) ?? candidates.find((f) => fs.existsSync(f));
  if (!configFile) return failUp(`skiff up wrote no client config (looked at ${candidates.join(', ')})`);
  if (configFile !== path.join(home, 'config.json')) env['SKIFF_CONFIG'] = configFile;
  const server = readConfig(configFile)?.server ?? state.apiserver;
  const client = new ApiClient({ server, timeoutMs: 15_000 });
  const cluster = new Cluster({ name, home, state, client, docker, env, upResult: up, log });
  log(`up: apiserver ${server}, nodes ${cluster.nodes.join(', ')}`);
  return cluster;
}

function collectLogTails(logsDir: string): string {
  let files: string[];
  try {
    files = fs.readdirSync(logsDir).filter((f) => f.endsWith('.log'));
  } catch {
    return `(no logs in ${logsDir})`;
  }
  return files
    .map((f) => {
      const lines = fs.readFileSync(path.join(logsDir, f), 'utf8').trimEnd().split('\n');
      return `--- ${f} (last 20 lines) ---\n${lines.slice(-20).join('\n')}`;
    })
    .join('\n');
}

/** The phase column a user sees first: Running, Pending, ... */
export function podPhase(p: Readonly<Pod>): string {
  return p.status?.phase ?? 'Pending';
}

/** True when the object's every container is running (pod phase Running and Ready). */
export function podRunning(p: Readonly<Pod>): boolean {
  const cs = p.status?.containerStatuses ?? [];
  return p.status?.phase === 'Running' && cs.length === p.spec.containers.length && cs.every((c) => c.state?.running !== undefined);
}

export function nameOf(o: Readonly<KubeObject>): string {
  return o.metadata.name ?? '';
}

export { REPO_ROOT };
