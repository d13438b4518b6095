// Validation of what `skiff up` is asked for, shared by the command and the programmatic API.

import { PROXY_MODES, type ProxyMode } from './network-plan.js';
import { MAX_NODES, type PortMode } from './ports.js';
import { clusterNameProblem, COMPONENT_KINDS, type ComponentKind } from './state.js';

export const DEFAULT_CLUSTER_NAME = 'skiff';
export const DEFAULT_NODES = 2;
export const DEFAULT_WAIT_MS = 120_000;

export class ClusterError extends Error {
  /** The component that failed, if one did. */
  readonly component: string | undefined;
  /** Its log file and last lines, to show the user. */
  readonly logFile: string | undefined;
  readonly logTail: readonly string[];

  constructor(message: string, details: { component?: string; logFile?: string; logTail?: readonly string[]; cause?: unknown } = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'ClusterError';
    this.component = details.component;
    this.logFile = details.logFile;
    this.logTail = details.logTail ?? [];
  }
}

export interface ResolvedUpOptions {
  name: string;
  nodes: number;
  ports: PortMode;
  waitMs: number;
  proxyMode: ProxyMode;
  /** Extra flags per kind of component, from --component-arg KIND=ARG, in the order given. */
  extraArgs: Partial<Record<ComponentKind, string[]>>;
}

/** Raw values as a command line gives them (strings) or as code gives them (numbers). */
export interface RawUpOptions {
  name?: string | undefined;
  nodes?: string | number | undefined;
  ports?: string | undefined;
  /** Seconds. */
  wait?: string | number | undefined;
  proxyMode?: string | undefined;
  /** `KIND=ARG` each, e.g. `kubelet=--cpu=2`. */
  componentArgs?: readonly string[] | undefined;
}

/** Parses repeated `--component-arg KIND=ARG` into flags appended to every component of KIND. */
export function parseComponentArgs(values: readonly string[]): Partial<Record<ComponentKind, string[]>> {
  const out: Partial<Record<ComponentKind, string[]>> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const kind = eq < 0 ? v : v.slice(0, eq);
    if (eq <= 0 || eq === v.length - 1) throw new ClusterError(`invalid --component-arg "${v}": want KIND=ARG, e.g. kubelet=--cpu=2`);
    if (!(COMPONENT_KINDS as readonly string[]).includes(kind)) {
      throw new ClusterError(`invalid --component-arg "${v}": unknown component kind "${kind}" (one of ${COMPONENT_KINDS.join(', ')})`);
    }
    (out[kind as ComponentKind] ??= []).push(v.slice(eq + 1));
  }
  return out;
}

function positiveInt(flag: string, v: string | number, max: number): number {
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ClusterError(`invalid --${flag} "${v}": must be an integer from 1 to ${max}`);
  return n;
}

/** Validates and fills defaults; throws ClusterError naming the flag at fault. */
export function resolveUpOptions(raw: RawUpOptions): ResolvedUpOptions {
  const name = raw.name ?? DEFAULT_CLUSTER_NAME;
  const problem = clusterNameProblem(name);
  if (problem !== undefined) throw new ClusterError(`invalid --name "${name}": ${problem}`);
  const nodes = raw.nodes === undefined ? DEFAULT_NODES : positiveInt('nodes', raw.nodes, MAX_NODES);
  const ports = raw.ports ?? 'default';
  if (ports !== 'default' && ports !== 'auto') throw new ClusterError(`invalid --ports "${ports}": must be "default" or "auto"`);
  const waitMs = raw.wait === undefined ? DEFAULT_WAIT_MS : positiveInt('wait', raw.wait, 3600) * 1000;
  const proxyMode = raw.proxyMode ?? 'iptables';
  if (!(PROXY_MODES as readonly string[]).includes(proxyMode)) throw new ClusterError(`invalid --proxy-mode "${proxyMode}": must be ${PROXY_MODES.map((m) => `"${m}"`).join(' or ')}`);
  const extraArgs = parseComponentArgs(raw.componentArgs ?? []);
  return { name, nodes, ports, waitMs, proxyMode: proxyMode as ProxyMode, extraArgs };
}

/** Validates a cluster name given to `skiff down` and friends. */
export function resolveClusterName(name: string | undefined): string {
  const n = name ?? DEFAULT_CLUSTER_NAME;
  const problem = clusterNameProblem(n);
  if (problem !== undefined) throw new ClusterError(`invalid --name "${n}": ${problem}`);
  return n;
}

/** `skiff up` of a cluster whose every process is still running: nothing to do. */
export class ClusterAlreadyUp extends ClusterError {}
