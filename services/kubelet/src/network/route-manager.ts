// Keeps the host's routes to other nodes' pod CIDRs (routes.ts) in step with the Nodes. What this
// kubelet programmed is recorded in `<root-dir>/network/routes.json`, so a restarted kubelet still
// removes the routes of nodes that went away while it was down, and never removes routes it did not
// make (another cluster's kubelet on the same host, say). A route that cannot be programmed (an
// unreachable gateway) is logged once per distinct error and tried again at the next sync.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Node } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { IpRouteProgrammer } from './ip-route.js';
import { desiredRoutes, planRoutes, type Route, type RouteProgrammer } from './routes.js';

export function routeStateFile(rootDir: string): string {
  return path.join(rootDir, 'network', 'routes.json');
}

export async function readRecordedRoutes(file: string): Promise<Route[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const parsed = JSON.parse(text) as { routes?: unknown };
  return Array.isArray(parsed.routes) ? parsed.routes.filter((r): r is Route => typeof r?.dst === 'string' && typeof r?.via === 'string') : [];
}

async function writeRecordedRoutes(file: string, routes: readonly Route[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ routes }, null, 2)}\n`);
  await rename(tmp, file);
}

export interface RouteManagerOptions {
  programmer: RouteProgrammer;
  /** Where the routes this kubelet made are recorded. */
  stateFile: string;
  /** This node's name (it needs no route to itself). */
  node: string;
  /** Whether an address is this host's (see local-addresses.ts). */
  isLocal: (ip: string) => boolean;
  log: Logger;
}

export interface RouteSyncResult {
  replaced: Route[];
  removed: Route[];
  /** `dst: why` of changes that failed. */
  failed: string[];
}

const key = (r: Route): string => `${r.dst} via ${r.via}`;

export class RouteManager {
  private lastErrors = new Map<string, string>();
  private recorded: Route[] | undefined;

  constructor(private readonly o: RouteManagerOptions) {}

  /** Brings the table in line with `nodes` (the informer's full, synced list). */
  async sync(nodes: readonly Readonly<Node>[]): Promise<RouteSyncResult> {
    const desired = desiredRoutes(nodes, this.o.node, this.o.isLocal);
    const recorded = (this.recorded ??= await this.readRecord());
    const current = await this.o.programmer.list();
    const plan = planRoutes(desired, recorded, current);
    const after = new Map(current.map((r) => [r.dst, r]));
    const result: RouteSyncResult = { replaced: [], removed: [], failed: [] };
    const errors = new Map<string, string>();
    const attempt = async (r: Route, what: 'replace' | 'remove'): Promise<void> => {
      try {
        if (what === 'replace') {
          await this.o.programmer.replace(r);
          after.set(r.dst, r);
          result.replaced.push(r);
        } else {
          await this.o.programmer.remove(r);
          after.delete(r.dst);
          result.removed.push(r);
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        errors.set(key(r), message);
        result.failed.push(`${r.dst}: ${message}`);
        if (this.lastErrors.get(key(r)) !== message) this.o.log.warn({ route: key(r), err: message }, `could not ${what} a route to another node's pods`);
      }
    };
    for (const r of plan.remove) await attempt(r, 'remove');
    for (const r of plan.replace) await attempt(r, 'replace');
    this.lastErrors = errors;
    for (const r of result.replaced) this.o.log.info({ route: key(r) }, 'programmed a route to another node\'s pods');
    for (const r of result.removed) this.o.log.info({ route: key(r) }, 'removed the route to a node that went away');

    const wanted = (r: Route): boolean => desired.some((d) => d.dst === r.dst && d.via === r.via) || recorded.some((d) => d.dst === r.dst && d.via === r.via);
    const record = [...after.values()].filter(wanted).sort((a, b) => a.dst.localeCompare(b.dst));
    if (JSON.stringify(record) !== JSON.stringify(recorded)) {
      await writeRecordedRoutes(this.o.stateFile, record);
      this.recorded = record;
    }
    return result;
  }

  private async readRecord(): Promise<Route[]> {
    try {
      return await readRecordedRoutes(this.o.stateFile);
    } catch (e) {
      this.o.log.warn({ file: this.o.stateFile, err: e instanceof Error ? e.message : String(e) }, 'unreadable route record: starting afresh');
      return [];
    }
  }
}

/** Removes the routes recorded under a kubelet's root dir (still as it made them) and the record;
 *  returns how many went. For `skiff down` of a cluster whose nodes span hosts. */
export async function removeRecordedRoutes(rootDir: string, programmer: RouteProgrammer = new IpRouteProgrammer()): Promise<number> {
  const file = routeStateFile(rootDir);
  const recorded = await readRecordedRoutes(file).catch(() => [] as Route[]);
  if (recorded.length === 0) return 0;
  const current = await programmer.list();
  let removed = 0;
  for (const r of recorded) {
    if (!current.some((c) => c.dst === r.dst && c.via === r.via)) continue;
    await programmer.remove(r);
    removed++;
  }
  await writeRecordedRoutes(file, []);
  return removed;
}
