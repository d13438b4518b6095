// Validation of what `skiff up` is asked for, shared by the command and the programmatic API.

import { MAX_NODES, type PortMode } from './ports.js';
import { clusterNameProblem } from './state.js';

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
}

/** Raw values as a command line gives them (strings) or as code gives them (numbers). */
export interface RawUpOptions {
  name?: string | undefined;
  nodes?: string | number | undefined;
  ports?: string | undefined;
  /** Seconds. */
  wait?: string | number | undefined;
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
  return { name, nodes, ports, waitMs };
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
