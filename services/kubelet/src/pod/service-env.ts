// Service environment variables, after Kubernetes' pkg/kubelet/envvars (FromServices) and
// kubelet_pods.go getServiceEnvVarMap: a container gets, for each Service of its namespace with a
// ClusterIP (not headless, not ExternalName), and for `kubernetes` in `default` even when
// enableServiceLinks is false:
//
//   WEB_SERVICE_HOST=10.96.0.12          WEB_SERVICE_PORT=80       WEB_SERVICE_PORT_HTTP=80
//   WEB_PORT=tcp://10.96.0.12:80         WEB_PORT_80_TCP=tcp://10.96.0.12:80
//   WEB_PORT_80_TCP_PROTO=tcp            WEB_PORT_80_TCP_PORT=80   WEB_PORT_80_TCP_ADDR=10.96.0.12
//
// (the name upper-cased, `-` → `_`; `_SERVICE_PORT_<NAME>` for each named port; `_PORT` for the
// first port). The pod's own variables win (container-env.ts).

import type { Service } from '@skiff/api';
import type { EnvVarValue } from './container-env.js';

/** Kubernetes' master services: always visible from the `default` namespace. */
const MASTER_SERVICES = new Set(['kubernetes']);
const MASTER_SERVICE_NAMESPACE = 'default';

export function isServiceIPSet(s: Readonly<Service>): boolean {
  const ip = s.spec.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

function envName(name: string): string {
  return name.replace(/-/g, '_').toUpperCase();
}

/** envvars.FromServices, for Services that have a ClusterIP. */
export function envVarsFromServices(services: readonly Readonly<Service>[]): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  for (const s of services) {
    const ports = s.spec.ports ?? [];
    const first = ports[0];
    if (!isServiceIPSet(s) || first === undefined) continue;
    const ip = s.spec.clusterIP ?? '';
    const prefix = envName(s.metadata.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${protocol}://${ip}:${p.port}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push({ name: portPrefix, value: url }, { name: `${portPrefix}_PROTO`, value: protocol }, { name: `${portPrefix}_PORT`, value: String(p.port) }, { name: `${portPrefix}_ADDR`, value: ip });
    });
  }
  return out;
}

/** The service variables a pod in `namespace` sees (getServiceEnvVarMap). */
export function serviceEnvVarMap(services: readonly Readonly<Service>[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const byName = new Map<string, Readonly<Service>>();
  const sorted = [...services].sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`));
  for (const s of sorted) {
    if (!isServiceIPSet(s)) continue;
    const name = s.metadata.name ?? '';
    if (s.metadata.namespace === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (s.metadata.namespace === namespace && enableServiceLinks) {
      byName.set(name, s);
    }
  }
  const chosen = [...byName.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return new Map(envVarsFromServices(chosen).map((e) => [e.name, e.value]));
}
