// skiff down [--name N] [--purge]: stops a local cluster started by `skiff up` (node agents first,
// etcd last; SIGKILL for what outlives the grace period), removes what its kube-proxy programmed,
// its nodes' Docker containers and networks and its state. Keeps the logs, and etcd's data (with
// the addresses its objects use) unless --purge.

import fs from 'node:fs';
import { skiffHome } from '@skiff/client';
import { Command } from 'commander';
import { clusterPaths, clustersDir, DEFAULT_CLUSTER_NAME, resolveClusterName, stopLocalCluster, type ClusterProgress } from '../cluster/index.js';

export interface DownFlags {
  name?: string;
  purge?: boolean;
  gracePeriod?: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export async function runDown(flags: DownFlags): Promise<number> {
  const out = process.stdout;
  let name: string;
  let graceMs: number;
  try {
    name = resolveClusterName(flags.name);
    const grace = flags.gracePeriod === undefined ? 15 : Number(flags.gracePeriod);
    if (!Number.isInteger(grace) || grace < 0) throw new Error(`invalid --grace-period "${flags.gracePeriod ?? ''}": must be a whole number of seconds`);
    graceMs = grace * 1000;
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const home = skiffHome();
  const onProgress = (e: ClusterProgress): void => {
    if (e.type === 'stopped') out.write(`✓ stopped ${e.component.name} (pid ${e.component.pid}${e.killed ? ', killed after the grace period' : ''})\n`);
    else if (e.type === 'warning') out.write(`! ${e.message}\n`);
  };
  out.write(`Stopping cluster "${name}"\n`);
  try {
    const paths = clusterPaths(home, name);
    if (!fs.existsSync(paths.dir)) {
      out.write(`no cluster "${name}" in ${clustersDir(home)}: nothing to do\n`);
      return 0;
    }
    const r = await stopLocalCluster(name, { home, purge: flags.purge === true, graceMs, onProgress });
    if (!r.wasRunning && r.stopped.length === 0) out.write(`cluster "${name}" was not running\n`);
    if ('error' in r.docker) {
      out.write(`! Docker containers of its nodes not removed: ${r.docker.error}\n`);
    } else if (r.docker.containers + r.docker.networks > 0) {
      const parts = [
        ...(r.docker.containers > 0 ? [plural(r.docker.containers, 'container')] : []),
        ...(r.docker.networks > 0 ? [plural(r.docker.networks, 'network')] : []),
      ];
      out.write(`✓ removed ${parts.join(' and ')}\n`);
    }
    for (const step of r.network) if (step.error === undefined) out.write(`✓ removed ${step.what}\n`);
    for (const f of r.configsRemoved) out.write(`✓ removed client config ${f}\n`);
    if (r.purged) out.write(`✓ removed etcd data ${paths.etcdDataDir}\n`);
    const kept: string[] = [];
    if (fs.existsSync(paths.logsDir)) kept.push(`logs in ${paths.logsDir}`);
    if (fs.existsSync(paths.etcdDataDir)) kept.push(`etcd data in ${paths.etcdDataDir} (--purge removes it)`);
    if (kept.length > 0) out.write(`Kept ${kept.join('; ')}\n`);
    return 'error' in r.docker ? 1 : 0;
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export function downCommand(): Command {
  return new Command('down')
    .description('Stop a local cluster started by "skiff up" and remove its containers')
    .option('--name <name>', 'cluster name', DEFAULT_CLUSTER_NAME)
    .option('--purge', "also remove etcd's data (the cluster's objects)")
    .option('--grace-period <seconds>', 'seconds each component may take to exit after SIGTERM before SIGKILL', '15')
    .action(async (flags: DownFlags) => {
      process.exitCode = await runDown(flags);
    });
}
