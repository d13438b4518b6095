// Hairpin mode on the node bridge's ports, as Kubernetes' kubelet sets with its default
// `--hairpin-mode=hairpin-veth`: a pod that reaches its own Service can be sent back to itself by
// kube-proxy's DNAT, and the bridge forwards a frame back out of the port it came in by only when
// that port is in hairpin mode. Docker leaves it off on user-defined bridges.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { NetworkInfo } from '../runtime/runtime.js';

/** Docker's option naming a bridge explicitly; otherwise the bridge is `br-<first 12 of the id>`. */
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

export function bridgeOf(net: Pick<NetworkInfo, 'id' | 'options'>): string {
  return net.options?.[BRIDGE_NAME_OPTION] ?? `br-${net.id.slice(0, 12)}`;
}

/** Turns hairpin mode on for every port of `bridge`; returns how many ports it changed. */
export async function enableHairpin(bridge: string, sysfs = '/sys/class/net'): Promise<number> {
  const brif = path.join(sysfs, bridge, 'brif');
  let changed = 0;
  for (const port of await readdir(brif)) {
    const file = path.join(brif, port, 'hairpin_mode');
    try {
      if ((await readFile(file, 'utf8')).trim() === '1') continue;
      await writeFile(file, '1');
      changed++;
    } catch (e) {
      // The port went away between the listing and the write (a pod stopping): nothing to do.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return changed;
}
