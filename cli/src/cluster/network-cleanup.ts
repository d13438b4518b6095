// What `skiff down` undoes on the host's network once the cluster's processes have stopped, and
// only what this cluster made: kube-proxy's chains (those starting with the cluster's chain prefix;
// in userspace mode also the ClusterIPs it put on lo), by running kube-proxy's own `--cleanup`, and
// the kubelets' iptables rules (DOCKER-USER, masquerade) and routes for the cluster's nodes, with
// the kubelet's own functions.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { removeNodeNetworkRules } from '@skiff/kubelet/network/firewall';
import { removeRecordedRoutes } from '@skiff/kubelet/network/route-manager';
import { SERVICE_MAINS } from './components.js';
import type { ClusterState } from './state.js';

export interface CleanupStep {
  what: string;
  /** Undefined when it worked. */
  error?: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(undefined);
      const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-5).join('; ');
      resolve(tail || err.message);
    });
  });
}

/** The command line that removes what the cluster's kube-proxy programmed, or undefined if it ran none. */
export function proxyCleanupCommand(state: Readonly<ClusterState>, repoRoot: string): { command: string; args: string[] } | undefined {
  const plan = state.network;
  if (plan === undefined) return undefined;
  const proxy = state.components.find((c) => c.kind === 'kube-proxy');
  // The same binary that programmed the rules, as recorded; else this checkout's.
  const command = proxy?.command ?? process.execPath;
  const main = proxy?.args[0] ?? path.join(repoRoot, SERVICE_MAINS['kube-proxy']);
  return { command, args: [main, '--cleanup', '--proxy-mode', plan.proxyMode, '--iptables-chain-prefix', plan.iptablesChainPrefix] };
}

/** Runs kube-proxy's --cleanup for the cluster's chain prefix (and proxy mode). */
export async function cleanupProxy(state: Readonly<ClusterState>, repoRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<CleanupStep | undefined> {
  const cmd = proxyCleanupCommand(state, repoRoot);
  if (cmd === undefined) return undefined;
  const what = `kube-proxy rules (chains ${state.network?.iptablesChainPrefix ?? ''}*)`;
  const error = await run(cmd.command, cmd.args, repoRoot, env, 60_000);
  return error === undefined ? { what } : { what, error };
}

/** A kubelet's --root-dir as recorded (its route record lives there), else where `skiff up` puts it. */
function kubeletRootDir(state: Readonly<ClusterState>, node: string, kubeletDir: string): string {
  const kubelet = state.components.find((c) => c.kind === 'kubelet' && c.node === node);
  const i = kubelet?.args.indexOf('--root-dir') ?? -1;
  return (i >= 0 ? kubelet?.args[i + 1] : undefined) ?? path.join(kubeletDir, node);
}

/**
 * Removes what the cluster's kubelets programmed on the host for their nodes: their iptables rules
 * (DOCKER-USER accepts, the masquerade chain; all commented `skiff node <node>`) and the routes
 * they recorded under their root dirs. Call once the nodes' containers and networks are gone, and
 * before the kubelets' directories are removed.
 */
export async function cleanupNodeNetworking(state: Readonly<ClusterState>, kubeletDir: string): Promise<CleanupStep | undefined> {
  if (state.network === undefined || state.nodes.length === 0) return undefined;
  const what = `the kubelets' iptables rules and routes (${state.nodes.map((n) => n.name).join(', ')})`;
  const errors: string[] = [];
  for (const node of state.nodes) {
    try {
      await removeNodeNetworkRules(node.name);
    } catch (e) {
      errors.push(`${node.name} rules: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      await removeRecordedRoutes(kubeletRootDir(state, node.name, kubeletDir));
    } catch (e) {
      errors.push(`${node.name} routes: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errors.length === 0 ? { what } : { what, error: errors.join('; ') };
}
