// The RouteProgrammer over iproute2: `ip route replace|del <dst> via <gw> proto <n>`, listed with
// `ip -j route show proto <n>`. Routes carry Skiff's own route protocol number, so `ip route show
// proto 83` shows them and the kubelet can tell them from everyone else's. With `netns` it works
// inside a network namespace (`ip -n NS ...`), which is how its integration test stays off the
// host's table.

import { execFile } from 'node:child_process';
import { parseCidr } from '@skiff/api';
import type { Route, RouteProgrammer } from './routes.js';

/** The route protocol (rtm_protocol) of Skiff's routes: 83, unassigned in /etc/iproute2/rt_protos. */
export const SKIFF_ROUTE_PROTOCOL = 83;

export interface IpRouteOptions {
  netns?: string;
  protocol?: number;
  timeoutMs?: number;
}

interface IpJsonRoute {
  dst?: string;
  gateway?: string;
}

export class IpRouteProgrammer implements RouteProgrammer {
  private readonly protocol: string;

  constructor(private readonly o: IpRouteOptions = {}) {
    this.protocol = String(o.protocol ?? SKIFF_ROUTE_PROTOCOL);
  }

  async list(): Promise<Route[]> {
    const out = await this.ip(['-4', '-j', 'route', 'show', 'proto', this.protocol]);
    const parsed = out.trim() === '' ? [] : (JSON.parse(out) as IpJsonRoute[]);
    const routes: Route[] = [];
    for (const r of parsed) {
      if (!r.dst || !r.gateway || r.dst === 'default') continue;
      routes.push({ dst: parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`).text, via: r.gateway });
    }
    return routes;
  }

  async replace(route: Route): Promise<void> {
    await this.ip(['route', 'replace', route.dst, 'via', route.via, 'proto', this.protocol]);
  }

  async remove(route: Route): Promise<void> {
    try {
      await this.ip(['route', 'del', route.dst, 'via', route.via, 'proto', this.protocol]);
    } catch (e) {
      // Already gone.
      if (!/No such process|No such file or directory/.test(e instanceof Error ? e.message : String(e))) throw e;
    }
  }

  private ip(args: readonly string[]): Promise<string> {
    const argv = this.o.netns !== undefined ? ['-n', this.o.netns, ...args] : [...args];
    return new Promise((resolve, reject) => {
      execFile('ip', argv, { timeout: this.o.timeoutMs ?? 15_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`ip ${argv.join(' ')}: ${stderr.trim() || err.message}`));
        else resolve(stdout);
      });
    });
  }
}
