// A local cluster: etcd, the apiserver, the scheduler, the controller-manager, N kubelets, and the
// node-wide kube-proxy, DNS server and ingress controller, each its own detached process on this
// machine, recorded in $SKIFF_HOME/clusters/<name>/state.json with the cluster's address plan.
// `startLocalCluster` returns once every component answers its readiness endpoint and every node
// is Ready; on any failure it stops what it started. `stopLocalCluster` stops the recorded pids
// (node agents first, etcd last), removes what kube-proxy programmed, and removes the Docker
// containers and networks of the nodes.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, skiffHome, writeConfig } from '@skiff/client';
import { defaultClaimsDir } from './address-claims.js';
import { planNetwork, releaseNetwork } from './address-plan.js';
import { apiserverAddress, clusterNodes, etcdUrls, planComponents, restApiUrl, SERVICE_MAINS, type ComponentSpec } from './components.js';
import { ensureClusterPki, writeKubeconfig, type ClusterPki } from './pki.js';
import { dockerProblem, missingImages, removeNodeResources, type DockerCleanup } from './docker-cleanup.js';
import { removeKubeletDirs } from './kubelet-dirs.js';
import { cleanupNodeNetworking, cleanupProxy, type CleanupStep } from './network-cleanup.js';
import type { NetworkPlan, ProxyMode } from './network-plan.js';
import { ClusterAlreadyUp, ClusterError, DEFAULT_CLUSTER_NAME, DEFAULT_WAIT_MS, resolveClusterName, resolveUpOptions } from './options.js';
import { autoPortPlan, CONTROL_PLANE_HOST, defaultPortPlan, portUses, takenPorts, type PortMode, type PortPlan } from './ports.js';
import { isAlive, spawnDetached, tailLines, terminate, type SpawnedProcess } from './processes.js';
import { probe, waitForNodesReady, waitUntil, WaitError } from './readiness.js';
import {
  clusterPaths,
  listClusterNames,
  readState,
  stopOrder,
  writeState,
  type ClusterNode,
  type ClusterPaths,
  type ClusterState,
  type ComponentKind,
  type ComponentState,
  nodeName,
} from './state.js';

/** The repository root, found from this file: cli/dist/cluster/local-cluster.js. */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Images the kubelets need to run any pod (the pod infra image). */
const REQUIRED_IMAGES = ['skiff/busybox:latest'];
const LOG_TAIL_LINES = 20;
const DEFAULT_GRACE_MS = 15_000;

export type ClusterProgress =
  | { type: 'starting'; component: Readonly<ComponentState> }
  | { type: 'waiting'; what: string }
  | { type: 'ready'; component: Readonly<ComponentState>; elapsedMs: number }
  | { type: 'nodes-ready'; nodes: readonly ClusterNode[]; elapsedMs: number }
  | { type: 'config'; path: string }
  | { type: 'warning'; message: string }
  | { type: 'stopping'; components: readonly Readonly<ComponentState>[] }
  | { type: 'stopped'; component: Readonly<ComponentState>; killed: boolean };

export interface StartOptions {
  /** Default `skiff`. A DNS-1123 label of at most 40 characters. */
  name?: string;
  /** Default 2. */
  nodes?: number;
  /** `default` (the components' default ports), `auto` (free ports) or an explicit plan. Default `default`. */
  ports?: PortMode | PortPlan;
  /** Deadline for the whole start, ms. Default 120 000. */
  waitMs?: number;
  /** Default skiffHome() ($SKIFF_HOME or ~/.skiff). */
  home?: string;
  /**
   * Write the client config: $home/config.json for the default cluster name, else
   * $home/clusters/<name>/config.json. Default true.
   */
  writeConfig?: boolean;
  /** Where services/<x>/dist/main.js are. Default: this checkout. */
  repoRoot?: string;
  /** Default `etcd` from PATH. */
  etcdBinary?: string;
  /** Flags appended to every component of a kind, e.g. { kubelet: ['--cpu', '1'] }. */
  extraArgs?: Partial<Record<ComponentKind, readonly string[]>>;
  /** kube-proxy's mode. Default iptables. */
  proxyMode?: ProxyMode;
  /** Where `auto` clusters claim their addresses machine-wide. Default /run/skiff/address-claims. */
  claimsDir?: string;
  /** Environment of the components. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops what was started and rejects. */
  signal?: AbortSignal;
  onProgress?: (event: ClusterProgress) => void;
}

export interface StopOptions {
  /** Default skiffHome(). */
  home?: string;
  /** Also remove etcd's data (the cluster's objects). */
  purge?: boolean;
  /** How long each group of components may take to exit after SIGTERM before SIGKILL. Default 15 s. */
  graceMs?: number;
  /** Where `auto` clusters claim their addresses. Default /run/skiff/address-claims. */
  claimsDir?: string;
  /** Environment of the kube-proxy --cleanup run. Default process.env. */
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: ClusterProgress) => void;
}

export interface StopResult {
  name: string;
  dir: string;
  /** False when no process of the cluster was running. */
  wasRunning: boolean;
  stopped: Array<{ name: string; pid: number; killed: boolean }>;
  /** What was removed from Docker, or why that failed. */
  docker: DockerCleanup | { error: string };
  /** What was removed from the host's network (kube-proxy's rules, the kubelets' rules and routes). */
  network: CleanupStep[];
  /** Client configs removed because they pointed at this cluster. */
  configsRemoved: string[];
  purged: boolean;
}

export function defaultConfigPath(home: string, name: string): string {
  return name === DEFAULT_CLUSTER_NAME ? path.join(home, 'config.json') : clusterPaths(home, name).configFile;
}

/** The recorded state of a cluster, or undefined if it has none. */
export function readClusterState(name: string, home: string = skiffHome()): ClusterState | undefined {
  return readState(clusterPaths(home, resolveClusterName(name)).stateFile);
}

/** Every cluster recorded under `home`, with whether any of its processes runs. */
export function listLocalClusters(home: string = skiffHome()): Array<{ state: ClusterState; running: boolean }> {
  const out: Array<{ state: ClusterState; running: boolean }> = [];
  for (const name of listClusterNames(home)) {
    try {
      const state = readState(clusterPaths(home, name).stateFile);
      if (state !== undefined) out.push({ state, running: state.components.some(isAlive) });
    } catch {
      // an unreadable state file is no cluster
    }
  }
  return out;
}

export function findExecutable(name: string, envPath: string = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function componentFailure(message: string, c: Pick<ComponentSpec, 'name' | 'log'>, cause?: unknown): ClusterError {
  return new ClusterError(message, { component: c.name, logFile: c.log, logTail: tailLines(c.log, LOG_TAIL_LINES), cause });
}

async function planPorts(ports: PortMode | PortPlan, nodes: number, home: string, name: string, nodeAddressPrefix: string): Promise<PortPlan> {
  if (ports === 'auto') return autoPortPlan(nodes, nodeAddressPrefix);
  const plan = ports === 'default' ? defaultPortPlan(nodes, nodeAddressPrefix) : ports;
  if (plan.kubelets.length !== nodes) throw new ClusterError(`the port plan has ${plan.kubelets.length} kubelets for ${nodes} nodes`);
  const taken = await takenPorts(portUses(plan));
  if (taken.length > 0) {
    const owners = listLocalClusters(home).filter((c) => c.running && c.state.name !== name);
    const owner = (port: number, host: string): string => {
      const o = owners.find((c) => portUses(c.state.ports).some((u) => u.port === port && u.host === host));
      return o ? ` by cluster "${o.state.name}"` : '';
    };
    const shown = taken.slice(0, 3).map((t) => `${t.host}:${t.port} (${t.purpose}) is in use${owner(t.port, t.host)}`);
    if (taken.length > shown.length) shown.push(`${taken.length - shown.length} more`);
    throw new ClusterError(
      `cannot start cluster "${name}": ${shown.join('; ')}. Stop what uses them ("skiff down --name <cluster>") or run with --ports auto`,
    );
  }
  return plan;
}

/** Starts a local cluster and resolves with its state once every node is Ready. */
export async function startLocalCluster(opts: StartOptions = {}): Promise<ClusterState> {
  const { name, nodes } = resolveUpOptions({ name: opts.name, nodes: opts.nodes });
  const waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
  if (!(waitMs > 0)) throw new ClusterError(`invalid waitMs ${waitMs}: must be positive`);
  const startMs = Date.now();
  const deadline = startMs + waitMs;
  const home = opts.home ?? skiffHome();
  const paths = clusterPaths(home, name);
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  const progress = opts.onProgress ?? (() => {});
  const signal = opts.signal;

  // Preflight: everything that can be checked before a process starts.
  const etcd = opts.etcdBinary ?? findExecutable('etcd');
  if (etcd === undefined) throw new ClusterError('etcd not found: run npm start / apt-get install etcd-server');
  for (const main of Object.values(SERVICE_MAINS)) {
    if (!fs.existsSync(path.join(repoRoot, main))) throw new ClusterError(`${main} not found under ${repoRoot}: build first (npx tsc --build, or npm start)`);
  }
  const previous = readState(paths.stateFile);
  const running = previous?.components.filter(isAlive) ?? [];
  if (previous !== undefined && running.length === previous.components.length && running.length > 0) {
    throw new ClusterAlreadyUp(`cluster "${name}" is already up (apiserver ${previous.apiserver}, ${running.length} processes running)`);
  }
  if (running.length > 0) {
    const what = `apiserver ${previous?.apiserver ?? '?'}, ${running.length} process${running.length === 1 ? '' : 'es'} running`;
    throw new ClusterError(`cluster "${name}" is already up (${what}): run "skiff down${name === DEFAULT_CLUSTER_NAME ? '' : ` --name ${name}`}" first`);
  }
  const docker = await dockerProblem();
  if (docker !== undefined) throw new ClusterError(`the Docker engine is not reachable (${docker}): run npm start, which starts dockerd`);
  const missing = await missingImages(REQUIRED_IMAGES);
  if (missing.length > 0) progress({ type: 'warning', message: `image ${missing.join(', ')} not found: pods cannot start until you run bash scripts/build-images.sh` });

  // The address plan first (auto ports bind on the chosen node addresses), then the ports.
  const claimsDir = opts.claimsDir ?? defaultClaimsDir();
  const portMode = opts.ports ?? 'default';
  const network = await planNetwork({
    name,
    home,
    paths,
    mode: portMode === 'auto' ? 'auto' : 'default',
    proxyMode: opts.proxyMode ?? 'iptables',
    nodeNames: Array.from({ length: nodes }, (_, i) => nodeName(name, i + 1)),
    claimsDir,
    warn: (message) => progress({ type: 'warning', message }),
  });
  const forgetNetwork = async (): Promise<void> => {
    if (network.fresh) await releaseNetwork(paths, claimsDir).catch(() => undefined);
  };
  let ports: PortPlan;
  let pki: ClusterPki;
  try {
    ports = await planPorts(portMode, nodes, home, name, network.plan.nodeAddressPrefix);
    // The REST API's CA, serving certificate and token: made once, kept across restarts.
    pki = await ensureClusterPki(paths.pkiDir, [CONTROL_PLANE_HOST, '127.0.0.1', 'localhost']);
  } catch (e) {
    await forgetNetwork();
    throw e;
  }

  const specs = planComponents({
    cluster: name,
    ports,
    network: network.plan,
    paths,
    repoRoot,
    node: process.execPath,
    etcd,
    ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
    restApi: { certFile: pki.certFile, keyFile: pki.keyFile, tokenFile: pki.tokenFile },
  });
  fs.mkdirSync(paths.logsDir, { recursive: true });
  const state: ClusterState = {
    name,
    dir: paths.dir,
    createdAt: new Date(startMs).toISOString(),
    ready: false,
    apiserver: apiserverAddress(ports),
    etcd: { ...etcdUrls(ports), dataDir: paths.etcdDataDir },
    ports,
    nodes: clusterNodes(name, ports),
    components: [],
    network: network.plan,
  };
  writeState(paths.stateFile, state);

  const processes = new Map<string, SpawnedProcess>();
  const start = async (spec: ComponentSpec): Promise<ComponentState> => {
    signal?.throwIfAborted();
    let proc: SpawnedProcess;
    try {
      proc = await spawnDetached(spec.command, spec.args, { logFile: spec.log, cwd: repoRoot, env: opts.env ?? process.env });
    } catch (e) {
      throw componentFailure(`${spec.name}: cannot start ${spec.command}: ${errorText(e)}`, spec, e);
    }
    processes.set(spec.name, proc);
    const component: ComponentState = {
      ...spec,
      pid: proc.pid,
      ...(proc.pidStartTime !== undefined ? { pidStartTime: proc.pidStartTime } : {}),
      startedAt: new Date().toISOString(),
    };
    state.components.push(component);
    writeState(paths.stateFile, state);
    progress({ type: 'starting', component });
    return component;
  };
  const ready = async (component: ComponentState): Promise<void> => {
    progress({ type: 'waiting', what: component.name });
    const proc = processes.get(component.name);
    try {
      await waitUntil(`${component.name} (${component.readyUrl})`, () => probe(component.readyUrl), {
        deadline,
        signal,
        ...(proc ? { gaveUp: proc.exited.then((how) => `exited (${how})`) } : {}),
      });
    } catch (e) {
      if (e instanceof WaitError) throw componentFailure(`${e.message}`, component, e);
      throw e;
    }
    progress({ type: 'ready', component, elapsedMs: Date.now() - startMs });
  };

  try {
    const [etcdSpec, apiserverSpec, ...rest] = specs;
    if (etcdSpec === undefined || apiserverSpec === undefined) throw new Error('internal: no etcd or apiserver in the plan');
    await ready(await start(etcdSpec));
    await ready(await start(apiserverSpec));
    // The rest only need the apiserver: start them together, report them in order.
    const kubeletsStartedMs = Date.now();
    const others: ComponentState[] = [];
    for (const spec of rest) others.push(await start(spec));
    for (const c of others) await ready(c);

    progress({ type: 'waiting', what: 'nodes' });
    try {
      await waitForNodesReady(state.apiserver, state.nodes.map((n) => n.name), kubeletsStartedMs, { deadline, signal });
    } catch (e) {
      if (!(e instanceof WaitError)) throw e;
      // Point at the kubelet of the first node that is not Ready.
      const culprit = others.find((c) => c.kind === 'kubelet' && e.lastProblem?.includes(`${c.node ?? ''}:`)) ?? others.find((c) => c.kind === 'kubelet');
      throw culprit ? componentFailure(e.message, culprit, e) : new ClusterError(e.message, { cause: e });
    }
    progress({ type: 'nodes-ready', nodes: state.nodes, elapsedMs: Date.now() - startMs });

    if (opts.writeConfig ?? true) {
      const file = defaultConfigPath(home, name);
      writeConfig({ server: state.apiserver, namespace: 'default' }, file);
      state.configPath = file;
      progress({ type: 'config', path: file });
    }
    const restUrl = restApiUrl(ports);
    if (restUrl !== undefined) state.kubeconfig = writeKubeconfig(paths.kubeconfig, name, restUrl, pki);
    state.ready = true;
    writeState(paths.stateFile, state);
    return state;
  } catch (e) {
    // Stop what was started; keep the logs for the user to read.
    await stopComponents(state.components, DEFAULT_GRACE_MS, progress).catch(() => undefined);
    await cleanupProxy(state, repoRoot, opts.env ?? process.env).catch(() => undefined);
    await removeNodeResources(state.nodes.map((n) => n.name)).catch(() => undefined);
    await cleanupNodeNetworking(state, paths.kubeletDir).catch(() => undefined);
    fs.rmSync(paths.stateFile, { force: true });
    await forgetNetwork();
    if (e instanceof ClusterError) throw e;
    if (signal?.aborted) throw new ClusterError(`starting cluster "${name}" was interrupted; stopped what had started`, { cause: e });
    throw new ClusterError(`starting cluster "${name}" failed: ${errorText(e)}`, { cause: e });
  }
}

async function stopComponents(
  components: readonly ComponentState[],
  graceMs: number,
  progress: (e: ClusterProgress) => void,
): Promise<StopResult['stopped']> {
  const stopped: StopResult['stopped'] = [];
  for (const group of stopOrder(components)) {
    const alive = group.filter(isAlive);
    if (alive.length === 0) continue;
    progress({ type: 'stopping', components: alive });
    const { killed } = await terminate(alive, graceMs);
    for (const c of alive) {
      const wasKilled = killed.includes(c.pid);
      stopped.push({ name: c.name, pid: c.pid, killed: wasKilled });
      progress({ type: 'stopped', component: c, killed: wasKilled });
    }
  }
  return stopped;
}

/**
 * Stops a local cluster: SIGTERM to each recorded process (the node agents, then the controllers,
 * then the apiserver, then etcd), SIGKILL to those still running after the grace period, then
 * removes kube-proxy's rules, the Docker containers and networks of its nodes, the kubelets' rules
 * and routes, and its state file. Keeps the logs and, unless `purge`, etcd's data with the address
 * plan its objects use (released with --purge). Stopping a cluster that is not running only cleans up.
 */
export async function stopLocalCluster(name: string = DEFAULT_CLUSTER_NAME, opts: StopOptions = {}): Promise<StopResult> {
  const clusterName = resolveClusterName(name);
  const home = opts.home ?? skiffHome();
  const paths: ClusterPaths = clusterPaths(home, clusterName);
  const progress = opts.onProgress ?? (() => {});
  const state = readState(paths.stateFile);
  const result: StopResult = {
    name: clusterName,
    dir: paths.dir,
    wasRunning: state?.components.some(isAlive) ?? false,
    stopped: [],
    docker: { containers: 0, networks: 0 },
    network: [],
    configsRemoved: [],
    purged: false,
  };
  const claimsDir = opts.claimsDir ?? defaultClaimsDir();
  if (state !== undefined) {
    result.stopped = await stopComponents(state.components, opts.graceMs ?? DEFAULT_GRACE_MS, progress);
    // With kube-proxy and the kubelets stopped, nothing programs the host any more: undo what they
    // did. The kubelets' rules go once their containers and networks are gone.
    const networkStep = (step: CleanupStep | undefined): void => {
      if (step === undefined) return;
      result.network.push(step);
      if (step.error !== undefined) progress({ type: 'warning', message: `could not remove ${step.what}: ${step.error}` });
    };
    networkStep(await cleanupProxy(state, REPO_ROOT, opts.env ?? process.env));
    try {
      result.docker = await removeNodeResources(state.nodes.map((n) => n.name));
    } catch (e) {
      result.docker = { error: errorText(e) };
      progress({ type: 'warning', message: `could not remove the nodes' Docker containers: ${errorText(e)}` });
    }
    networkStep(await cleanupNodeNetworking(state, paths.kubeletDir));
    // With the containers gone, the pods' volumes (some of them tmpfs mounts) can go too.
    const volumes = removeKubeletDirs(paths.kubeletDir);
    if (volumes.error !== undefined) progress({ type: 'warning', message: volumes.error });
    for (const file of new Set([paths.configFile, defaultConfigPath(home, clusterName), ...(state.configPath ? [state.configPath] : [])])) {
      try {
        if (readConfig(file)?.server === state.apiserver) {
          fs.rmSync(file, { force: true });
          result.configsRemoved.push(file);
        }
      } catch {
        // an unreadable config is not ours to remove
      }
    }
    fs.rmSync(paths.stateFile, { force: true });
  }
  if (opts.purge && fs.existsSync(paths.etcdDataDir)) {
    fs.rmSync(paths.etcdDataDir, { recursive: true, force: true });
    // Secrets in etcd are sealed with this key: one without the other is useless.
    fs.rmSync(paths.encryptionKeyDir, { recursive: true, force: true });
    // The REST API's CA, certificate and token go with the cluster (a new one gets new ones).
    fs.rmSync(paths.pkiDir, { recursive: true, force: true });
    fs.rmSync(paths.kubeconfig, { force: true });
    result.purged = true;
  }
  // The addresses stay reserved as long as the objects that use them (etcd's data) are kept.
  if (opts.purge || !fs.existsSync(paths.etcdDataDir)) await releaseNetwork(paths, claimsDir);
  return result;
}

function findComponent(state: ClusterState, component: string): ComponentState {
  const c = state.components.find((x) => x.name === component);
  if (c === undefined) {
    throw new ClusterError(`cluster "${state.name}" has no component "${component}" (it has ${state.components.map((x) => x.name).join(', ')})`);
  }
  return c;
}

function requireState(home: string, name: string): { state: ClusterState; paths: ClusterPaths } {
  const paths = clusterPaths(home, resolveClusterName(name));
  const state = readState(paths.stateFile);
  if (state === undefined) throw new ClusterError(`no cluster "${name}" is recorded in ${paths.dir}`);
  return { state, paths };
}

/**
 * Stops one component of a running cluster (e.g. a kubelet, or etcd, to test recovery): SIGKILL at
 * once, or SIGTERM then SIGKILL after `graceMs`. Its record stays, so startComponent can restart it.
 */
export async function stopComponent(
  name: string,
  component: string,
  opts: { home?: string; signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {},
): Promise<{ pid: number; wasRunning: boolean; killed: boolean }> {
  const { state } = requireState(opts.home ?? skiffHome(), name);
  const c = findComponent(state, component);
  if (!isAlive(c)) return { pid: c.pid, wasRunning: false, killed: false };
  const { killed } = await terminate([c], opts.signal === 'SIGKILL' ? 0 : (opts.graceMs ?? DEFAULT_GRACE_MS));
  return { pid: c.pid, wasRunning: true, killed: killed.includes(c.pid) };
}

/**
 * Starts again a stopped component with the flags it was first started with (its log is appended
 * to) and waits for its readiness endpoint. Refuses if it is still running.
 */
export async function startComponent(
  name: string,
  component: string,
  opts: { home?: string; waitMs?: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<ComponentState> {
  const { state, paths } = requireState(opts.home ?? skiffHome(), name);
  const c = findComponent(state, component);
  if (isAlive(c)) throw new ClusterError(`${component} of cluster "${state.name}" is still running (pid ${c.pid})`);
  const proc = await spawnDetached(c.command, c.args, { logFile: c.log, cwd: REPO_ROOT, env: opts.env ?? process.env, append: true });
  const restarted: ComponentState = { ...c, pid: proc.pid, startedAt: new Date().toISOString() };
  delete restarted.pidStartTime;
  if (proc.pidStartTime !== undefined) restarted.pidStartTime = proc.pidStartTime;
  // Re-read: another restart may have been recorded meanwhile.
  const current = readState(paths.stateFile) ?? state;
  current.components = current.components.map((x) => (x.name === component ? restarted : x));
  writeState(paths.stateFile, current);
  try {
    await waitUntil(`${component} (${c.readyUrl})`, () => probe(c.readyUrl), {
      deadline: Date.now() + (opts.waitMs ?? 60_000),
      signal: opts.signal,
      gaveUp: proc.exited.then((how) => `exited (${how})`),
    });
  } catch (e) {
    if (e instanceof WaitError) throw componentFailure(e.message, c, e);
    throw e;
  }
  return restarted;
}
