// A pod's /etc/hosts, as Kubernetes' kubelet writes it (kubelet_pods.go managedHostsFileContent):
// a header, the loopback and IPv6 entries, then the pod's IP with its hostname (and its FQDN
// `<hostname>.<subdomain>.<ns>.svc.<domain>` when the pod names a subdomain).

import type { Pod } from '@skiff/api';
import { podHostname } from './container-config.js';

const HEADER = '# Kubernetes-managed hosts file.\n';
const DEFAULT_ENTRIES = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

/** The file's content; without a pod IP (not known yet) only the default entries. */
export function podHostsFile(pod: Readonly<Pod>, podIP: string | undefined, clusterDomain: string): string {
  const lines = [...DEFAULT_ENTRIES];
  if (podIP) {
    const hostname = podHostname(pod);
    const subdomain = pod.spec.subdomain;
    if (subdomain && clusterDomain) lines.push(`${podIP}\t${hostname}.${subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}`);
    else lines.push(`${podIP}\t${hostname}`);
  }
  return HEADER + lines.map((l) => `${l}\n`).join('');
}
