// skiff up [--name N] [--nodes N] [--ports default|auto] [--proxy-mode iptables|userspace]
// [--component-arg KIND=ARG]... [--wait SECONDS] [--no-config]: starts a local cluster (etcd,
// apiserver, scheduler, controller-manager, N kubelets, kube-proxy, the DNS server and the ingress
// controller, each its own process), shows progress, prints where each component listens, and
// returns once the nodes are Ready, saying where the apiserver, the ingress and the DNS are.

import { skiffHome } from '@skiff/client';
import { Command } from 'commander';
import { ClusterAlreadyUp, ClusterError, clusterPaths, resolveUpOptions, startLocalCluster, DEFAULT_CLUSTER_NAME } from '../cluster/index.js';
import { clusterSummary, UpProgressPrinter } from '../cluster/progress-printer.js';
import { collect } from './common.js';

export interface UpFlags {
  name?: string;
  nodes?: string;
  ports?: string;
  wait?: string;
  config?: boolean;
  proxyMode?: string;
  componentArg?: string[];
}

export async function runUp(flags: UpFlags): Promise<number> {
  let opts;
  try {
    opts = resolveUpOptions({
      name: flags.name,
      nodes: flags.nodes,
      ports: flags.ports,
      wait: flags.wait,
      proxyMode: flags.proxyMode,
      componentArgs: flags.componentArg,
    });
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const out = process.stdout;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const home = skiffHome();
  const { dir } = clusterPaths(home, opts.name);
  const printer = new UpProgressPrinter(out, dir, `Starting cluster "${opts.name}" with ${opts.nodes} node${opts.nodes === 1 ? '' : 's'} (${dir})`);
  try {
    const state = await startLocalCluster({
      name: opts.name,
      nodes: opts.nodes,
      ports: opts.ports,
      waitMs: opts.waitMs,
      proxyMode: opts.proxyMode,
      extraArgs: opts.extraArgs,
      home,
      writeConfig: flags.config !== false,
      signal: abort.signal,
      onProgress: printer.onProgress,
    });
    printer.stop();
    const downArgs = opts.name === DEFAULT_CLUSTER_NAME ? '' : ` --name ${opts.name}`;
    for (const line of clusterSummary(state)) out.write(`${line}\n`);
    if (state.configPath !== undefined) {
      out.write(`Client config written to ${state.configPath}\n`);
      if (opts.name !== DEFAULT_CLUSTER_NAME) out.write(`To use this cluster: export SKIFF_CONFIG=${state.configPath}\n`);
    }
    if (state.kubeconfig !== undefined) {
      out.write(`Kubernetes API: ${state.components.find((c) => c.kind === 'apiserver')?.endpoints['https'] ?? ''} (kubectl works once KUBECONFIG points at ${state.kubeconfig}):\n`);
      out.write(`export KUBECONFIG=${state.kubeconfig}\n`);
    }
    out.write(`Try "skiff get nodes". Stop the cluster with "skiff down${downArgs}".\n`);
    return 0;
  } catch (e) {
    printer.stop();
    if (e instanceof ClusterAlreadyUp) {
      // `npm start` twice should leave the user where the first left them, not fail.
      out.write(`${e.message}. Try "skiff get nodes".\n`);
      return 0;
    }
    if (e instanceof ClusterError) {
      if (e.component !== undefined) {
        out.write(`✗ ${e.component}\n`);
        if (e.logFile !== undefined) {
          const lines = e.logTail.slice(-12).map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
          const tail = lines.length > 0 ? lines.map((l) => `    ${l}\n`).join('') : '    (empty)\n';
          out.write(`  last lines of ${e.logFile}:\n${tail}`);
        }
      }
      process.stderr.write(`error: ${e.message}\n`);
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function upCommand(): Command {
  return new Command('up')
    .description(
      'Start a local cluster: etcd, apiserver, scheduler, controller-manager, kubelets, kube-proxy, cluster DNS and the ingress controller as processes on this machine',
    )
    .option('--name <name>', 'cluster name (state in $SKIFF_HOME/clusters/<name>)', DEFAULT_CLUSTER_NAME)
    .option('--nodes <n>', 'number of nodes (kubelets)', '2')
    .option(
      '--ports <mode>',
      '"default" (the components\' default ports and Kubernetes\' default addresses) or "auto" (free ports, and a pod network, Service range and node addresses no other cluster uses: to run beside another cluster)',
      'default',
    )
    .option('--proxy-mode <mode>', 'kube-proxy\'s mode: "iptables" or "userspace"', 'iptables')
    .option('--component-arg <kind=arg>', 'an extra flag for every component of a kind, e.g. kubelet=--cpu=2 (repeatable; kinds: etcd, apiserver, scheduler, controller-manager, kubelet, kube-proxy, dns, ingress-controller)', collect)
    .option('--wait <seconds>', 'give up if the cluster is not Ready within this time', '120')
    .option('--no-config', 'do not write the client config')
    .action(async (flags: UpFlags) => {
      process.exitCode = await runUp(flags);
    });
}
