// Choosing (or reusing) a starting cluster's address plan and recording it: network.json in the
// cluster's directory, plus, in `auto` mode, the machine-wide claims. A cluster whose etcd data was
// kept reuses its recorded plan, since its Services, Nodes and pods hold addresses from it.

import fs from 'node:fs';
import path from 'node:path';
import { liveClaims, releaseClaims, takenByClaims, withClaimsLock, writeClaims } from './address-claims.js';
import { dockerNetworks } from './docker-cleanup.js';
import { asNetworkPlan, chooseNetworkPlan, defaultNetworkPlan, NoFreeAddresses, planConflicts, type NetworkMode, type NetworkPlan, type ProxyMode, type TakenAddresses } from './network-plan.js';
import { ClusterError } from './options.js';
import { clusterPaths, listClusterNames, readState, type ClusterPaths } from './state.js';
import { dockerCidrs, hostCidrs, mergeTaken, outside } from './taken-addresses.js';

export function readNetworkFile(file: string): NetworkPlan | undefined {
  try {
    return asNetworkPlan(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

function writeNetworkFile(file: string, plan: NetworkPlan): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(plan, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** The auto plans of the other clusters recorded under `home` (their claims may live in another claims dir). */
export function homeClustersTaken(home: string, self: string): TakenAddresses {
  const cidrs: Array<{ cidr: string; owner: string }> = [];
  const nodeAddressPrefixes: string[] = [];
  const chainPrefixes: string[] = [];
  for (const name of listClusterNames(home).concat(listPlanOnlyClusters(home))) {
    if (name === self) continue;
    const paths = clusterPaths(home, name);
    let plan = readNetworkFile(paths.networkFile);
    if (plan === undefined) {
      try {
        plan = readState(paths.stateFile)?.network;
      } catch {
        plan = undefined;
      }
    }
    if (plan === undefined || plan.mode !== 'auto') continue;
    const owner = `cluster "${name}"`;
    cidrs.push({ cidr: plan.clusterCidr, owner: `the pod network of ${owner}` }, { cidr: plan.serviceClusterIpRange, owner: `the Service range of ${owner}` });
    nodeAddressPrefixes.push(plan.nodeAddressPrefix);
    chainPrefixes.push(plan.iptablesChainPrefix);
  }
  return { cidrs, nodeAddressPrefixes, chainPrefixes };
}

/** Clusters stopped by `skiff down` (no state.json) whose network.json was kept with their data. */
function listPlanOnlyClusters(home: string): string[] {
  try {
    return fs
      .readdirSync(path.join(home, 'clusters'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(clusterPaths(home, e.name).networkFile) && !fs.existsSync(clusterPaths(home, e.name).stateFile))
      .map((e) => e.name);
  } catch {
    return [];
  }
}

export interface PlanNetworkInput {
  name: string;
  home: string;
  paths: ClusterPaths;
  mode: NetworkMode;
  proxyMode: ProxyMode;
  /** The cluster's node names: Docker networks they made are the cluster's own, not a conflict. */
  nodeNames: readonly string[];
  claimsDir: string;
  warn: (message: string) => void;
  random?: () => number;
}

export interface PlannedNetwork {
  plan: NetworkPlan;
  /** False when the plan recorded with the kept etcd data was reused. */
  fresh: boolean;
}

function etcdDataKept(paths: ClusterPaths): boolean {
  try {
    return fs.readdirSync(paths.etcdDataDir).length > 0;
  } catch {
    return false;
  }
}

/** Chooses or reuses the plan, checks it against this machine, records it (and claims it in auto mode). */
export async function planNetwork(input: PlanNetworkInput): Promise<PlannedNetwork> {
  const { paths, mode, proxyMode, name } = input;
  const kept = etcdDataKept(paths);
  const recorded = kept ? readNetworkFile(paths.networkFile) : undefined;
  if (recorded !== undefined && recorded.mode !== mode) {
    input.warn(
      `cluster "${name}" kept its objects from a start in ${recorded.mode} mode (pods ${recorded.clusterCidr}, Services ${recorded.serviceClusterIpRange}); ` +
        `they may not fit the ${mode} mode's addresses ("skiff down --purge" discards them)`,
    );
  }
  const reuse = recorded?.mode === mode ? recorded : undefined;
  // What the cluster itself left behind (a crash without `skiff down`) is no conflict: its nodes'
  // Docker networks, their bridges and routes, and the ClusterIPs its userspace proxy put on lo.
  const ownChains = new Set([reuse?.iptablesChainPrefix ?? '', mode === 'default' ? defaultNetworkPlan().iptablesChainPrefix : ''].filter((p) => p !== ''));
  const [networks, host] = await Promise.all([dockerNetworks(), hostCidrs(new Set([...ownChains].map((p) => `lo:${p}`)))]);
  const ownSubnets = networks.filter((n) => n.node !== undefined && input.nodeNames.includes(n.node)).flatMap((n) => n.subnets);
  const machine: TakenAddresses = { cidrs: [...dockerCidrs(networks, input.nodeNames), ...outside(host, ownSubnets)], nodeAddressPrefixes: [], chainPrefixes: [] };
  const refuse = (plan: NetworkPlan, problems: string[]): never => {
    const hint = reuse
      ? `its objects were made with these addresses; "skiff down${name === 'skiff' ? '' : ` --name ${name}`} --purge" discards them`
      : mode === 'default'
        ? 'remove what uses them, or run with --ports auto (a free pod network and Service range are chosen)'
        : 'remove what uses them';
    throw new ClusterError(`cannot start cluster "${name}" with pods ${plan.clusterCidr} and Services ${plan.serviceClusterIpRange}: ${problems.join('; ')}. ${hint}`);
  };

  if (mode === 'default') {
    const plan = { ...(reuse ?? defaultNetworkPlan()), proxyMode };
    const problems = planConflicts(plan, machine);
    if (problems.length > 0) refuse(plan, problems);
    writeNetworkFile(paths.networkFile, plan);
    return { plan, fresh: reuse === undefined };
  }

  return withClaimsLock(input.claimsDir, () => {
    const taken = mergeTaken(takenByClaims(liveClaims(input.claimsDir), paths.networkFile), machine, homeClustersTaken(input.home, name));
    let plan: NetworkPlan;
    if (reuse !== undefined) {
      plan = { ...reuse, proxyMode };
      const problems = planConflicts(plan, taken);
      if (problems.length > 0) refuse(plan, problems);
    } else {
      try {
        plan = chooseNetworkPlan({ proxyMode, taken, ...(input.random ? { random: input.random } : {}) });
      } catch (e) {
        if (e instanceof NoFreeAddresses) throw new ClusterError(`cannot start cluster "${name}": ${e.message}`);
        throw e;
      }
    }
    writeClaims(input.claimsDir, plan, paths.networkFile);
    writeNetworkFile(paths.networkFile, plan);
    return { plan, fresh: reuse === undefined };
  });
}

/** Forgets a cluster's addresses: its network.json and its claims. */
export async function releaseNetwork(paths: ClusterPaths, claimsDir: string): Promise<void> {
  fs.rmSync(paths.networkFile, { force: true });
  await withClaimsLock(claimsDir, () => releaseClaims(claimsDir, paths.networkFile)).catch(() => releaseClaims(claimsDir, paths.networkFile));
}
