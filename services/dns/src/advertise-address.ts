// The address pods reach this server at, written into Endpoints kube-dns (kube-proxy forwards the
// kube-dns ClusterIP there). Default: the first non-internal IPv4 address of this host, as kubelet
// picks a node IP. Endpoints may not hold loopback addresses (Kubernetes' ValidateNonSpecialIP), so
// loopback is only a last resort on a host without any other address, and registration says why
// it fails.

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isIPv4 } from '@skiff/api';

export function defaultAdvertiseAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  for (const infos of Object.values(interfaces)) {
    const found = (infos ?? []).find((i) => i.family === 'IPv4' && !i.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

/** Why pods may not reach this server at `advertise` when it listens on `bind`, or undefined when they can. */
export function advertiseProblem(bind: string, advertise: string): string | undefined {
  if (advertise.startsWith('127.')) return `the advertise address ${advertise} is loopback, which Endpoints refuse: pass --advertise-address`;
  const wildcard = bind === '0.0.0.0' || bind === '::' || bind === '';
  if (!wildcard && isIPv4(bind) && bind !== advertise) return `listening on ${bind} but advertising ${advertise}: queries forwarded to ${advertise} will not arrive`;
  return undefined;
}

/** Whether `address` is one of this host's own addresses (a socket can be bound to it). */
export function isLocalAddress(address: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): boolean {
  return Object.values(interfaces).some((infos) => (infos ?? []).some((i) => i.address === address));
}
