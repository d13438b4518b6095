// What `skiff up` shows while it starts a cluster: one line per component once it answers (where
// it listens, its log file), then the nodes; on a terminal, a spinner names what is awaited. Once
// the cluster is up: where to reach it (apiserver, ingress, DNS) and its address plan.

import path from 'node:path';
import { ingressUrls } from './components.js';
import type { ClusterProgress } from './local-cluster.js';
import type { ClusterState, ComponentState } from './state.js';

/** Where the lines go: process.stdout, or anything with write (and isTTY for the spinner). */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function endpoints(c: Readonly<ComponentState>): string {
  const e = c.endpoints;
  if (c.kind === 'etcd') return e['client'] ?? '';
  const labelled = (key: string): string | undefined => (e[key] ? `${key} ${e[key]}` : undefined);
  return [labelled('grpc'), labelled('dns'), labelled('ingress'), e['http']].filter((x) => x !== undefined).join('  ');
}

/** Where to reach a started cluster and its address plan, one line each. */
export function clusterSummary(state: Readonly<ClusterState>): string[] {
  const lines = [`Apiserver:    ${state.apiserver}`];
  const net = state.network;
  if (net === undefined) return lines;
  const addresses = state.nodes.map((n) => n.address).join(', ');
  const ingress = ingressUrls(state.ports)[0];
  if (ingress !== undefined) lines.push(`Ingress:      ${ingress}/ (port ${state.ports.ingress} of every node address: ${addresses})`);
  lines.push(`Cluster DNS:  ${net.clusterDns} (Service kube-system/kube-dns, domain ${net.clusterDomain}), served on port ${state.ports.dns} of this host`);
  lines.push(`Pod network:  ${net.clusterCidr} (a /${net.nodeCidrMaskSize} per node); Services ${net.serviceClusterIpRange}; NodePorts ${net.serviceNodePortRange} on every node address`);
  lines.push(`kube-proxy:   ${net.proxyMode} mode, chains ${net.iptablesChainPrefix}*`);
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Prints one line per step; on a terminal, a spinner shows what is being waited for. */
export class UpProgressPrinter {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private header: string | undefined;

  /** `header` is printed before the first step, i.e. once the checks before starting passed. */
  constructor(
    private readonly out: Output,
    private readonly clusterDir: string,
    header?: string,
  ) {
    this.header = header;
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  private clearSpinner(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.out.write('\r\x1b[K');
    }
  }

  private line(text: string): void {
    this.clearSpinner();
    this.out.write(`${text}\n`);
  }

  private spin(what: string): void {
    this.clearSpinner();
    if (!this.tty) return;
    const draw = (): void => {
      this.out.write(`\r\x1b[K${SPINNER[this.frame++ % SPINNER.length] ?? '-'} ${what}`);
    };
    draw();
    this.timer = setInterval(draw, 80);
  }

  readonly onProgress = (e: ClusterProgress): void => {
    if (this.header !== undefined && e.type !== 'warning') {
      this.line(this.header);
      this.header = undefined;
    }
    switch (e.type) {
      case 'waiting':
        this.spin(e.what === 'nodes' ? 'waiting for the nodes to be Ready' : `starting ${e.what}`);
        break;
      case 'ready': {
        const log = path.relative(this.clusterDir, e.component.log);
        this.line(`✓ ${e.component.name.padEnd(26)} ${endpoints(e.component).padEnd(46)} ${log}`);
        break;
      }
      case 'nodes-ready': {
        const nodes = e.nodes.map((n) => `${n.name} (${n.address})`).join(', ');
        this.line(`✓ ${e.nodes.length} node${e.nodes.length === 1 ? '' : 's'} Ready: ${nodes}  [${seconds(e.elapsedMs)}]`);
        break;
      }
      case 'warning':
        this.line(`! ${e.message}`);
        break;
      case 'stopping':
        this.line(`  stopping ${e.components.map((c) => c.name).join(', ')}`);
        break;
      default:
        break;
    }
  };

  stop(): void {
    this.clearSpinner();
  }
}
