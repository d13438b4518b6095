// The scheduling framework's vocabulary, after kube-scheduler's (pkg/scheduler/framework): a
// snapshot of the cluster as the scheduler sees it for one decision, per-node aggregates
// (NodeInfo), and the two plugin kinds Skiff runs: Filter (can the pod go there at all?) and Score
// (how good is it there?). Plugins are pure functions of their arguments.

import type { Node, Pod } from '@skiff/api';

/** CPU in millicores, memory in bytes. */
export interface Resources {
  readonly milliCpu: number;
  readonly memory: number;
}

/** Node-level aggregates, as kube-scheduler's framework.NodeInfo. */
export interface NodeInfo {
  readonly name: string;
  readonly node: Readonly<Node>;
  /** Non-terminated pods bound to (or assumed on) this node. */
  readonly pods: readonly Readonly<Pod>[];
  /** Sum of the pods' requests; a container without requests counts 0. */
  readonly requested: Resources;
  /** Same, but a container without a request counts the default (100m, 200Mi): used for scoring only. */
  readonly nonZeroRequested: Resources;
  /** status.allocatable; `pods` is the most pods the node accepts. */
  readonly allocatable: Resources & { readonly pods: number };
}

/** Everything one scheduling decision may look at. Nodes are sorted by name. */
export interface Snapshot {
  readonly nodes: readonly NodeInfo[];
}

/** A filter either passes or gives the reasons (usually one; NodeResourcesFit may give several). */
export type FilterResult = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly [string, ...string[]] };

export const FIT: FilterResult = { ok: true };

export function unfit(reason: string, ...more: string[]): FilterResult {
  return { ok: false, reasons: [reason, ...more] };
}

export interface Plugin {
  readonly name: string;
}

export interface FilterPlugin extends Plugin {
  filter(pod: Readonly<Pod>, nodeInfo: NodeInfo): FilterResult;
}

/** The highest score a plugin gives (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

export interface ScorePlugin extends Plugin {
  /** 0 (worst) … MAX_NODE_SCORE (best). Called only for nodes that passed every filter. */
  score(pod: Readonly<Pod>, nodeInfo: NodeInfo, snapshot: Snapshot): number;
}

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}
