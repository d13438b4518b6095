// Machine-wide claims on the addresses of `auto` clusters, so two clusters never pick the same
// pod network, Service range, node addresses or chain prefix, even when they live in different
// SKIFF_HOMEs (every end-to-end suite has its own) or start at the same moment. One file per
// claimed thing in a directory shared by every `skiff` on the machine (/run/skiff/address-claims,
// or the temp dir when /run is not writable), created with O_EXCL under a lock directory.
//
// A claim holds while the cluster's network.json (its recorded plan, kept until `skiff down
// --purge`) still names it, or, in the moment before that file is written, while the `skiff up`
// that made it runs. Any other claim is stale and is removed by the next cluster that looks.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asNetworkPlan, type NetworkPlan, type TakenAddresses } from './network-plan.js';
import { isAlive, processStartTime } from './processes.js';

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 15_000;
/** How long a claim without its plan file counts as live while its creator runs. */
const UNRECORDED_CLAIM_MS = 10 * 60_000;

export interface Claim {
  /** The file name: `cidr-10.37.0.0-16`, `nodes-127.12.34`, `chain-SK1A2B`. */
  resource: string;
  kind: 'cidr' | 'nodes' | 'chain';
  value: string;
  /** The claiming cluster's network.json. */
  planFile: string;
  chainPrefix: string;
  pid: number;
  pidStartTime?: string;
  createdAt: string;
}

export function defaultClaimsDir(): string {
  const run = '/run/skiff';
  try {
    fs.mkdirSync(run, { recursive: true });
    fs.accessSync(run, fs.constants.W_OK);
    return path.join(run, 'address-claims');
  } catch {
    return path.join(os.tmpdir(), 'skiff-address-claims');
  }
}

/** The claims a plan makes: its two /16 blocks, its node block and its chain prefix. */
export function claimsOf(plan: Readonly<NetworkPlan>, planFile: string): Claim[] {
  const base = { planFile, chainPrefix: plan.iptablesChainPrefix, pid: process.pid, createdAt: new Date().toISOString() };
  const start = processStartTime(process.pid);
  const withStart = start !== undefined ? { ...base, pidStartTime: start } : base;
  const cidr = (value: string): Claim => ({ ...withStart, resource: `cidr-${value.replace('/', '-')}`, kind: 'cidr', value });
  return [
    cidr(plan.clusterCidr),
    cidr(plan.serviceClusterIpRange),
    { ...withStart, resource: `nodes-${plan.nodeAddressPrefix}`, kind: 'nodes', value: plan.nodeAddressPrefix },
    { ...withStart, resource: `chain-${plan.iptablesChainPrefix}`, kind: 'chain', value: plan.iptablesChainPrefix },
  ];
}

function readPlan(file: string): NetworkPlan | undefined {
  try {
    return asNetworkPlan(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Whether a claim still holds (see the file comment). */
export function claimIsLive(c: Readonly<Claim>, now = Date.now()): boolean {
  const plan = readPlan(c.planFile);
  if (plan !== undefined) return plan.iptablesChainPrefix === c.chainPrefix;
  const age = now - Date.parse(c.createdAt);
  return age < UNRECORDED_CLAIM_MS && isAlive({ pid: c.pid, ...(c.pidStartTime !== undefined ? { pidStartTime: c.pidStartTime } : {}) });
}

function asClaim(v: unknown): Claim | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Partial<Claim>;
  if (typeof c.resource !== 'string' || typeof c.value !== 'string' || typeof c.planFile !== 'string' || typeof c.chainPrefix !== 'string') return undefined;
  if (c.kind !== 'cidr' && c.kind !== 'nodes' && c.kind !== 'chain') return undefined;
  if (!Number.isInteger(c.pid) || typeof c.createdAt !== 'string') return undefined;
  return c as Claim;
}

/** The live claims in `dir`; stale and unreadable ones are removed. Call under the lock. */
export function liveClaims(dir: string): Claim[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const live: Claim[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let claim: Claim | undefined;
    try {
      claim = asClaim(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      claim = undefined;
    }
    if (claim !== undefined && claimIsLive(claim)) live.push(claim);
    else fs.rmSync(file, { force: true });
  }
  return live;
}

/** What the claims hold, as `taken` for choosing or checking a plan; claims of `exceptPlanFile` are left out. */
export function takenByClaims(claims: readonly Claim[], exceptPlanFile?: string): TakenAddresses {
  const others = claims.filter((c) => c.planFile !== exceptPlanFile);
  const owner = (c: Claim): string => `claimed by the cluster of ${path.dirname(c.planFile)}`;
  return {
    cidrs: others.filter((c) => c.kind === 'cidr').map((c) => ({ cidr: c.value, owner: owner(c) })),
    nodeAddressPrefixes: others.filter((c) => c.kind === 'nodes').map((c) => c.value),
    chainPrefixes: others.filter((c) => c.kind === 'chain').map((c) => c.value),
  };
}

/**
 * Writes the claims of `plan` (replacing earlier claims of the same plan file). Throws when one is
 * held by another cluster. Call under the lock, after checking the plan against liveClaims.
 */
export function writeClaims(dir: string, plan: Readonly<NetworkPlan>, planFile: string): void {
  fs.mkdirSync(dir, { recursive: true });
  releaseClaims(dir, planFile);
  const written: string[] = [];
  try {
    for (const c of claimsOf(plan, planFile)) {
      const file = path.join(dir, c.resource);
      fs.writeFileSync(file, JSON.stringify(c, null, 2) + '\n', { flag: 'wx' });
      written.push(file);
    }
  } catch (e) {
    for (const f of written) fs.rmSync(f, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`address already claimed by another cluster: ${(e as NodeJS.ErrnoException).path ?? ''}`);
    throw e;
  }
}

/** Removes the claims made for `planFile` (and only those). */
export function releaseClaims(dir: string, planFile: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (asClaim(JSON.parse(fs.readFileSync(file, 'utf8')))?.planFile === planFile) {
        fs.rmSync(file, { force: true });
        removed++;
      }
    } catch {
      // unreadable or gone: not ours to judge here (liveClaims removes it)
    }
  }
  return removed;
}

/**
 * Runs `fn` holding the claims lock (a directory made with mkdir, which is atomic). A lock older
 * than 30 s is taken to be left by a crashed process and broken.
 */
export async function withClaimsLock<T>(dir: string, fn: () => T | Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) {
          fs.rmSync(lock, { recursive: true, force: true });
          continue;
        }
      } catch {
        continue; // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the address claims lock ${lock}`);
      await sleep(25);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
