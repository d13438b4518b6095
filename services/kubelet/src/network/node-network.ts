// The node's pod network: its pod CIDR (the Node's spec.podCIDR, which the controller-manager's node
// IPAM allocates, or --pod-cidr for a standalone kubelet), the Docker network `skiff-<node>` with that
// subnet (gateway: the block's first address; Docker's masquerade off, see firewall.ts), the node's
// iptables rules, and the routes to other hosts' nodes (route-manager.ts).
//
// Until there is a pod CIDR, `ensure()` rejects with NetworkNotReadyError: pods wait
// (ContainerCreating, a NetworkNotReady event) and the Node is not Ready (`notReadyReason`), as
// Kubernetes' kubelet does while its network plugin is not ready. A network that exists with
// another subnet is made again when no container is attached to it; while some are, pods wait and
// the reason says why. iptables problems are logged and retried by `syncHost`, never fatal: pods
// still run, only traffic between nodes suffers.

import { addressAt, parseCidr, cidrsOverlap, type Node } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { LABEL_NODE } from '../pod/labels.js';
import type { ContainerRuntime, NetworkSpec } from '../runtime/runtime.js';
import type { NodeFirewall } from './firewall.js';
import { bridgeOf, enableHairpin } from './hairpin.js';
import type { RouteManager } from './route-manager.js';

/** Docker's bridge option that adds `-s <subnet> ! -o <bridge> -j MASQUERADE`. */
export const MASQUERADE_OPTION = 'com.docker.network.bridge.enable_ip_masquerade';

/** Pods cannot get a network yet; the message says why. */
export class NetworkNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkNotReadyError';
  }
}

/** Kubernetes' wording, for the Node's Ready condition and the pods' NetworkNotReady events. */
export function networkNotReadyMessage(reason: string): string {
  return `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${reason}`;
}

export interface NodeNetworkOptions {
  runtime: Pick<ContainerRuntime, 'ensureNetwork' | 'removeNetwork'>;
  node: string;
  /** The Docker network's name (`skiff-<node>`). */
  network: string;
  /** --pod-cidr: used whatever the Node says. */
  podCIDR?: string;
  /** --cluster-cidr: for the masquerade rule, and a warning when the pod CIDR lies outside it. */
  clusterCIDR: string;
  /** The node's iptables rules; none in tests on the fake runtime. */
  firewall?: NodeFirewall;
  /** Routes to other hosts' nodes; none in tests on the fake runtime. */
  routes?: RouteManager;
  log: Logger;
  /** Readiness changed: true once pods can get addresses (enqueue the waiting pods), false when
   *  they no longer can. */
  onReadyChange?: (ready: boolean) => void;
  /** Sets hairpin mode on the bridge's ports (the real sysfs one by default; tests on the fake runtime pass a no-op). */
  hairpin?: (bridge: string) => Promise<number>;
}

function canonical(cidr: string): string {
  return parseCidr(cidr).text;
}

export class NodeNetwork {
  private assigned: string | undefined;
  private pending: { cidr: string; promise: Promise<void> } | undefined;
  private readyFor: string | undefined;
  private problem: string | undefined;
  /** The network exists with Docker's masquerade on (made by an older kubelet) and containers. */
  private remakeWhenEmpty = false;
  private firewallError: string | undefined;
  /** The Linux bridge of the node network, once it exists. */
  private bridge: string | undefined;
  private hairpinError: string | undefined;

  constructor(private readonly o: NodeNetworkOptions) {}

  /**
   * Hairpin mode on every pod's bridge port, so a pod can reach itself through its own Service.
   * Called after each pod sandbox starts and with every host sync; failures are logged once.
   */
  async enableHairpin(): Promise<void> {
    if (this.bridge === undefined) return;
    try {
      const changed = await (this.o.hairpin ?? enableHairpin)(this.bridge);
      if (changed > 0) this.o.log.debug({ bridge: this.bridge, ports: changed }, 'hairpin mode set');
      this.hairpinError = undefined;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (message !== this.hairpinError) this.o.log.warn({ bridge: this.bridge, err: message }, 'cannot set hairpin mode: a pod reaching its own Service may time out');
      this.hairpinError = message;
    }
  }

  /** The pod CIDR in use: --pod-cidr, else the Node's. */
  podCIDR(): string | undefined {
    return this.o.podCIDR ?? this.assigned;
  }

  /** The Node as the informer has it (undefined before it exists). */
  observeNode(node: Readonly<Node> | undefined): void {
    const cidr = node?.spec?.podCIDR || undefined;
    if (cidr === this.assigned) return;
    this.assigned = cidr;
    if (this.o.podCIDR !== undefined) {
      if (cidr !== undefined && canonical(cidr) !== canonical(this.o.podCIDR)) {
        this.o.log.warn({ nodePodCIDR: cidr, podCIDR: this.o.podCIDR }, 'the Node has another pod CIDR than --pod-cidr: using --pod-cidr');
      }
      return;
    }
    if (cidr === undefined) return;
    this.o.log.info({ podCIDR: cidr }, 'the node has a pod CIDR');
    this.ensure().catch(() => {});
  }

  /** Why pods cannot get an address now; undefined when they can. */
  notReadyReason(): string | undefined {
    if (this.podCIDR() === undefined) return `no pod CIDR assigned to node ${this.o.node} yet (the controller-manager's node IPAM allocates one)`;
    return this.problem;
  }

  /** Makes sure the node network exists for the pod CIDR (memoized per CIDR; `recheck` looks
   *  again, e.g. after someone removed the network). Rejects with NetworkNotReadyError. */
  ensure(recheck = false): Promise<void> {
    const cidr = this.podCIDR();
    if (cidr === undefined) return Promise.reject(new NetworkNotReadyError(this.notReadyReason() ?? 'no pod CIDR'));
    if (recheck || this.pending?.cidr !== cidr) this.pending = undefined;
    if (this.pending) return this.pending.promise;
    const promise = this.setUp(cidr).then(
      () => {
        const was = this.readyFor;
        this.problem = undefined;
        this.readyFor = cidr;
        if (was !== cidr) this.o.onReadyChange?.(true);
      },
      (e: unknown) => {
        if (this.pending?.promise === promise) this.pending = undefined;
        const message = e instanceof Error ? e.message : String(e);
        if (message !== this.problem) this.o.log.warn({ network: this.o.network, podCIDR: cidr, err: message }, 'the node network is not ready');
        const was = this.readyFor;
        this.problem = message;
        this.readyFor = undefined;
        if (was !== undefined) this.o.onReadyChange?.(false);
        throw e instanceof NetworkNotReadyError ? e : new NetworkNotReadyError(message);
      },
    );
    this.pending = { cidr, promise };
    return promise;
  }

  /**
   * The periodic and on-change part: the network (made again once empty when it had to be), the
   * iptables rules (repaired if someone removed them), and the routes to other hosts' nodes
   * (`nodes`: the informer's synced list).
   */
  async syncHost(nodes: readonly Readonly<Node>[]): Promise<void> {
    const cidr = this.podCIDR();
    if (cidr !== undefined) {
      const ready = await this.ensure(this.remakeWhenEmpty).then(
        () => true,
        () => false,
      );
      if (ready) {
        await this.programFirewall(canonical(cidr));
        await this.enableHairpin();
      }
    }
    await this.o.routes?.sync(nodes);
  }

  private spec(cidr: string): NetworkSpec {
    const block = parseCidr(cidr);
    return {
      name: this.o.network,
      labels: { [LABEL_NODE]: this.o.node },
      subnet: block.text,
      gateway: addressAt(block, 1),
      options: { [MASQUERADE_OPTION]: 'false' },
    };
  }

  private async setUp(podCIDR: string): Promise<void> {
    let block;
    try {
      block = parseCidr(podCIDR);
    } catch (e) {
      throw new NetworkNotReadyError(`the pod CIDR is not usable: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (block.size < 4) throw new NetworkNotReadyError(`the pod CIDR ${block.text} is too small for a network`);
    const cluster = parseCidr(this.o.clusterCIDR);
    if (!cidrsOverlap(block, cluster) || block.prefix < cluster.prefix) {
      this.o.log.warn({ podCIDR: block.text, clusterCIDR: cluster.text }, 'the pod CIDR is not inside --cluster-cidr: traffic to other nodes\' pods may be masqueraded');
    }
    const spec = this.spec(block.text);
    let net = await this.o.runtime.ensureNetwork(spec);
    const otherSubnet = net.subnet !== undefined && canonical(net.subnet) !== block.text;
    const masquerading = net.options?.[MASQUERADE_OPTION] !== 'false';
    const flagged = this.remakeWhenEmpty;
    this.remakeWhenEmpty = false;
    if (otherSubnet || masquerading) {
      const attached = net.containers ?? 0;
      if (attached > 0 && otherSubnet) {
        throw new NetworkNotReadyError(
          `network ${this.o.network} has subnet ${net.subnet ?? ''}, not the node's pod CIDR ${block.text}, and ${attached} container(s) attached: ` +
            'it is made again once they are gone (delete the pods on this node to hurry it)',
        );
      }
      if (attached > 0) {
        this.remakeWhenEmpty = true;
        if (!flagged) {
          this.o.log.warn(
            { network: this.o.network, containers: attached },
            'the node network was made with Docker\'s masquerade on: its pods\' traffic to other nodes is NATed until it is made again, once no container is attached',
          );
        }
      } else {
        this.o.log.info({ network: this.o.network, subnet: net.subnet, podCIDR: block.text }, 'making the node network again for the pod CIDR');
        await this.o.runtime.removeNetwork(net.id);
        net = await this.o.runtime.ensureNetwork(spec);
      }
    }
    this.bridge = bridgeOf(net);
    await this.programFirewall(block.text);
  }

  private async programFirewall(cidr: string): Promise<void> {
    if (!this.o.firewall) return;
    try {
      await this.o.firewall.ensure(cidr);
      if (this.firewallError !== undefined) this.o.log.info('the node\'s iptables rules are in place');
      this.firewallError = undefined;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (message !== this.firewallError) this.o.log.warn({ err: message }, 'could not program the node\'s iptables rules: pods of other nodes may not reach this node\'s pods');
      this.firewallError = message;
    }
  }
}
