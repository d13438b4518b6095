// NodePorts from --service-node-port-range (pkg/registry/core/service/portallocator): one storage
// key per port (`/registry/servicenodeportallocations/<port>`), dynamic picks from above the static
// band of min(max(16, size/32), 128) ports (KEP-3668).

import { parsePortRange } from '@skiff/api';
import type { Storage } from '../../storage/storage.js';
import { RangeAllocator, staticBandSize, ValueAllocator } from './range-allocator.js';

export const NODE_PORT_KEY_PREFIX = '/registry/servicenodeportallocations/';

/** Parses --service-node-port-range; throws an Error naming the flag when malformed. */
export function parseServiceNodePortRange(text: string): { base: number; size: number } {
  try {
    return parsePortRange(text);
  } catch (e) {
    throw new Error(`--service-node-port-range: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export type NodePortAllocator = ValueAllocator<number> & { readonly rangeText: string };

export function newNodePortAllocator(storage: Storage, rangeText: string, opts: { random?: () => number } = {}): NodePortAllocator {
  const { base, size } = parseServiceNodePortRange(rangeText);
  const text = `${base}-${base + size - 1}`;
  const range = new RangeAllocator(storage, {
    prefix: NODE_PORT_KEY_PREFIX,
    first: base,
    last: base + size - 1,
    staticBand: staticBandSize(size, 16, 128, 32),
    format: String,
    parse: (s) => (/^\d+$/.test(s) ? Number(s) : undefined),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const allocator = new ValueAllocator<number>(range, {
    toNumber: (port) => port,
    fromNumber: (n) => n,
    notInRange: () => `provided port is not in the valid range. The range of valid ports is ${text}`,
    allocated: 'provided port is already allocated',
  });
  return Object.assign(allocator, { rangeText: text });
}
