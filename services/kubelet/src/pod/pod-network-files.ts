// The files that give a pod's containers its name resolution, as Kubernetes' kubelet makes them:
// `<root-dir>/pods/<uid>/resolv.conf` (network/dns.ts: ClusterFirst, None, a merged dnsConfig) and
// `<root-dir>/pods/<uid>/etc-hosts` (etc-hosts.ts), bind-mounted read-only at /etc/resolv.conf and
// /etc/hosts of every container of the pod (Docker then leaves its own out). They exist before a
// container is created (a bind mount needs its source). resolv.conf is replaced by rename when its
// content changes (a running container keeps the version it started with); the hosts file, which
// holds the pod's IP, is one file per pod written in place once the sandbox has its address
// (`ready`), so the pod's containers all see the same one. Both go with the pod's directory when
// the pod is torn down. A container that mounts a volume at one of those paths keeps its own.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Container, Pod } from '@skiff/api';
import { parseResolvConf, formatResolvConf, podDNS, type DNSConfig, type DNSEvent } from '../network/dns.js';
import type { ContainerMount } from '../runtime/runtime.js';
import { podDir } from '../volumes/volume-plan.js';
import { podHostsFile } from './etc-hosts.js';

export const RESOLV_CONF_PATH = '/etc/resolv.conf';
export const HOSTS_PATH = '/etc/hosts';

export interface PodNetworkFilesOptions {
  rootDir: string;
  /** --cluster-dns (empty: none). */
  clusterDNS: readonly string[];
  /** --cluster-domain. */
  clusterDomain: string;
  /** --resolv-conf: the node's resolver file ("" for none). */
  resolvConf: string;
  /** Reads the node's resolver file (default: fs). */
  readHostFile?: (file: string) => Promise<string>;
}

/** Writes when the content differs: by rename (new inode), or in place (bind mounts see it). */
async function writeIfChanged(file: string, content: string, how: 'rename' | 'in-place'): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) return;
  await mkdir(path.dirname(file), { recursive: true });
  if (how === 'in-place') {
    await writeFile(file, content, { mode: 0o644 });
    return;
  }
  // A name of its own: the pod's containers are configured at the same time.
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, file);
}

export class PodNetworkFiles {
  constructor(private readonly o: PodNetworkFilesOptions) {}

  /** The node's resolver configuration; undefined without --resolv-conf or when it cannot be read. */
  private async hostDNS(): Promise<DNSConfig | undefined> {
    if (this.o.resolvConf === '') return undefined;
    const read = this.o.readHostFile ?? ((f: string) => readFile(f, 'utf8'));
    try {
      return parseResolvConf(await read(this.o.resolvConf));
    } catch {
      return undefined;
    }
  }

  /** Writes the pod's files; returns the container's mounts of them, events to record, and `ready`,
   *  which settles once the hosts file holds the pod's IP (await it before starting the container). */
  async mountsFor(
    pod: Readonly<Pod>,
    container: Readonly<Container>,
    podIP: () => Promise<string>,
  ): Promise<{ mounts: ContainerMount[]; events: DNSEvent[]; ready: Promise<void> }> {
    const dir = podDir(this.o.rootDir, pod.metadata.uid ?? '');
    const own = new Set((container.volumeMounts ?? []).map((m) => path.posix.normalize(m.mountPath)));
    const mounts: ContainerMount[] = [];
    const dns = podDNS(pod, { clusterDNS: this.o.clusterDNS, clusterDomain: this.o.clusterDomain, host: await this.hostDNS() });
    if (dns.config && !own.has(RESOLV_CONF_PATH)) {
      const file = path.join(dir, 'resolv.conf');
      await writeIfChanged(file, formatResolvConf(dns.config), 'rename');
      mounts.push({ source: file, target: RESOLV_CONF_PATH, readOnly: true });
    }
    let ready = Promise.resolve();
    if (!own.has(HOSTS_PATH)) {
      const file = path.join(dir, 'etc-hosts');
      const exists = await readFile(file, 'utf8').then(
        () => true,
        () => false,
      );
      if (!exists) await writeIfChanged(file, podHostsFile(pod, undefined, this.o.clusterDomain), 'in-place');
      mounts.push({ source: file, target: HOSTS_PATH, readOnly: true });
      ready = podIP().then((ip) => writeIfChanged(file, podHostsFile(pod, ip || undefined, this.o.clusterDomain), 'in-place'));
      ready.catch(() => {});
    }
    return { mounts, events: dns.events, ready };
  }
}
