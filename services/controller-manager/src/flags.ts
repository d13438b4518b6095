// kube-controller-manager's flags as Skiff takes them, turned into a config. Pure, so it is tested
// without a process; main.ts reports a thrown FlagError and exits 2.

import { enabledControllers } from './controllers.js';
import { DEFAULT_CONFIG, type ControllerManagerConfig } from './run.js';

export class FlagError extends Error {}

/** `--leader-elect` alone means true, as a Go bool flag; `--leader-elect=false` turns it off. */
export function normalizeBoolFlags(argv: readonly string[], names: readonly string[]): string[] {
  return argv.map((a) => (names.some((n) => a === `--${n}`) ? `${a}=true` : a));
}

function bool(name: string, value: string | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new FlagError(`--${name} must be true or false, got "${String(value)}"`);
}

function int(name: string, value: string | boolean | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) throw new FlagError(`--${name} must be an integer >= ${min}, got "${String(value)}"`);
  return n;
}

export function configFromFlags(flags: Record<string, string | boolean | undefined>): ControllerManagerConfig {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined);
  const controllers = str('controllers') ?? '*';
  try {
    enabledControllers(controllers);
  } catch (e) {
    throw new FlagError(`--controllers: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    apiserver: str('apiserver') ?? DEFAULT_CONFIG.apiserver,
    bindAddress: str('bind-address') ?? DEFAULT_CONFIG.bindAddress,
    httpPort: int('http-port', flags['http-port'], DEFAULT_CONFIG.httpPort, 0),
    leaderElect: bool('leader-elect', flags['leader-elect'], DEFAULT_CONFIG.leaderElect),
    controllers,
    concurrentReplicaSetSyncs: int('concurrent-replicaset-syncs', flags['concurrent-replicaset-syncs'], DEFAULT_CONFIG.concurrentReplicaSetSyncs, 1),
    concurrentGcSyncs: int('concurrent-gc-syncs', flags['concurrent-gc-syncs'], DEFAULT_CONFIG.concurrentGcSyncs, 1),
  };
}

export const FLAG_SPEC = {
  apiserver: { type: 'string' },
  'bind-address': { type: 'string' },
  'http-port': { type: 'string' },
  'leader-elect': { type: 'string' },
  controllers: { type: 'string' },
  'concurrent-replicaset-syncs': { type: 'string' },
  'concurrent-gc-syncs': { type: 'string' },
} as const;
