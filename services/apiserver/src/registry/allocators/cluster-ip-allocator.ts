// ClusterIPs from --service-cluster-ip-range (pkg/registry/core/service/ipallocator): every
// address of the range but its network and broadcast addresses, one storage key per address
// (`/registry/serviceipallocations/<ip>`), dynamic picks from above the static band of
// min(max(16, size/16), 256) addresses (KEP-3070).

import { intToIp, ipToInt, isIPv4, parseCidr, type Cidr } from '@skiff/api';
import type { Storage } from '../../storage/storage.js';
import { RangeAllocator, staticBandSize, ValueAllocator } from './range-allocator.js';

export const CLUSTER_IP_KEY_PREFIX = '/registry/serviceipallocations/';

/** The largest range Kubernetes accepts for IPv4 (`the mask must be >= 12`). */
const MAX_HOST_BITS = 20;

/** Parses --service-cluster-ip-range; throws an Error naming the flag when it cannot serve. */
export function parseServiceClusterIPRange(text: string): Cidr {
  let cidr: Cidr;
  try {
    cidr = parseCidr(text);
  } catch (e) {
    throw new Error(`--service-cluster-ip-range: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (32 - cidr.prefix > MAX_HOST_BITS) {
    throw new Error(`--service-cluster-ip-range ${text} is too large; for 32-bit addresses, the mask must be >= 12`);
  }
  if (cidr.prefix > 30) throw new Error(`--service-cluster-ip-range ${text} is too small; it must be a /30 or larger`);
  return cidr;
}

export type ClusterIPAllocator = ValueAllocator<string> & { readonly cidr: Cidr };

export function newClusterIPAllocator(storage: Storage, rangeText: string, opts: { random?: () => number } = {}): ClusterIPAllocator {
  const cidr = parseServiceClusterIPRange(rangeText);
  const usable = cidr.size - 2;
  const range = new RangeAllocator(storage, {
    prefix: CLUSTER_IP_KEY_PREFIX,
    first: cidr.base + 1,
    last: cidr.base + cidr.size - 2,
    staticBand: staticBandSize(usable, 16, 256, 16),
    format: intToIp,
    parse: (s) => (isIPv4(s) ? ipToInt(s) : undefined),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const allocator = new ValueAllocator<string>(range, {
    toNumber: (ip) => (isIPv4(ip) ? ipToInt(ip) : undefined),
    fromNumber: intToIp,
    notInRange: (ip) => `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.text}`,
    allocated: 'provided IP is already allocated',
  });
  return Object.assign(allocator, { cidr });
}
