// The address written into each served Ingress's status.loadBalancer.ingress: --publish-address,
// else the first bind address; a wildcard bind address (0.0.0.0, ::) stands for "this host", so its
// first non-internal IPv4 address is published (127.0.0.1 on a host that has none).

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function firstExternalIPv4(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export function resolvePublishAddress(
  flag: string | undefined,
  bindAddresses: readonly string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  if (flag) return flag;
  const first = bindAddresses[0] ?? '0.0.0.0';
  if (!WILDCARDS.has(first)) return first;
  return firstExternalIPv4(interfaces) ?? '127.0.0.1';
}

/** `--bind-addresses a,b`: trimmed, empty entries dropped, duplicates removed; 0.0.0.0 when empty. */
export function parseBindAddresses(flag: string | undefined): string[] {
  const list = [...new Set((flag ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  return list.length > 0 ? list : ['0.0.0.0'];
}
