// Which addresses belong to this host: a Node whose InternalIP is one of them runs on this machine
// (several kubelets share one host, each on its own loopback address), and its pods are reached
// through its Docker bridge directly, without a route.

import os from 'node:os';
import { cidrContains, isIPv4, parseCidr } from '@skiff/api';

const LOOPBACK = parseCidr('127.0.0.0/8');

/** The IPv4 addresses of this host's interfaces (os.networkInterfaces()). */
export function hostIPv4Addresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4')
    .map((a) => a.address);
}

/** True for all of 127.0.0.0/8 and for the given addresses of this host. */
export function isLocalAddress(ip: string, hostAddresses: readonly string[]): boolean {
  return isIPv4(ip) && (cidrContains(LOOPBACK, ip) || hostAddresses.includes(ip));
}
