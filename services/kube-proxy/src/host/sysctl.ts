// Kernel settings through /proc/sys (Kubernetes' component-helpers/node/util/sysctl).
// kube-proxy sets net.ipv4.conf.all.route_localnet=1 when it serves NodePorts on loopback
// addresses: without it the kernel refuses to route a packet DNATed away from 127.0.0.0/8.

import { readFile, writeFile } from 'node:fs/promises';

export const ROUTE_LOCALNET = 'net/ipv4/conf/all/route_localnet';

export interface Sysctl {
  get(name: string): Promise<number>;
  set(name: string, value: number): Promise<void>;
}

export class ProcSysctl implements Sysctl {
  constructor(private readonly root = '/proc/sys') {}
  async get(name: string): Promise<number> {
    return Number((await readFile(`${this.root}/${name}`, 'utf8')).trim());
  }
  async set(name: string, value: number): Promise<void> {
    await writeFile(`${this.root}/${name}`, `${value}\n`);
  }
}

export class FakeSysctl implements Sysctl {
  readonly values = new Map<string, number>();
  async get(name: string): Promise<number> {
    return this.values.get(name) ?? 0;
  }
  async set(name: string, value: number): Promise<void> {
    this.values.set(name, value);
  }
}

/** Sets `name` to `value` unless it already is (proxyutil.EnsureSysctl); returns whether it changed. */
export async function ensureSysctl(sysctl: Sysctl, name: string, value: number): Promise<boolean> {
  if ((await sysctl.get(name)) === value) return false;
  await sysctl.set(name, value);
  return true;
}
