// The configuration parts of describe pod, after kubectl's describe.go: a container's probes
// (DescribeProbe), its environment (plain values, values from ConfigMaps/Secrets/fields/resources,
// envFrom sources), its volume mounts, and the pod's volumes.

import { type Container, containerResourceValue, type EnvVar, memoryBytes, type Pod, podFieldValue, type Probe, type Volume } from '@skiff/api';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, type PrefixWriter } from './prefix-writer.js';

/** DescribeProbe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function describeProbe(p: Readonly<Probe>): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${p.exec.command.join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    const host = g.host ?? '';
    const port = String(g.port);
    const hostPort = port ? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`) : host;
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${hostPort}${g.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${String(p.tcpSocket.port)} ${attrs}`;
  return `unknown ${attrs}`;
}

export function writeProbes(w: PrefixWriter, c: Readonly<Container>): void {
  if (c.livenessProbe) w.write(LEVEL_2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
  if (c.readinessProbe) w.write(LEVEL_2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
  if (c.startupProbe) w.write(LEVEL_2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
}

/** A fieldRef's value as the kubelet would give it ('' for what cannot be resolved here). */
function fieldValue(pod: Readonly<Pod>, fieldPath: string): string {
  try {
    return podFieldValue(pod, fieldPath, { podIP: pod.status?.podIP ?? '', hostIP: pod.status?.hostIP ?? '' });
  } catch {
    return '';
  }
}

/** describe has no node: a limit that is not set reads 0 (then `node allocatable`), as in kubectl. */
const NO_NODE = { cpu: '0', memory: '0' };

function envLine(pod: Readonly<Pod> | undefined, c: Readonly<Container>, e: Readonly<EnvVar>): string[] {
  const from = e.valueFrom;
  if (!from) return (e.value ?? '').split('\n').map((s, i) => (i === 0 ? `${e.name}:\t${s}` : `\t${s}`));
  if (from.fieldRef) return [`${e.name}:\t${pod ? fieldValue(pod, from.fieldRef.fieldPath) : ''} (${from.fieldRef.apiVersion ?? ''}:${from.fieldRef.fieldPath})`];
  if (from.resourceFieldRef) {
    const r = from.resourceFieldRef;
    const target = r.containerName ? ([...(pod?.spec?.containers ?? []), ...(pod?.spec?.initContainers ?? [])].find((x) => x.name === r.containerName) ?? c) : c;
    let value = containerResourceValue(r, target, NO_NODE);
    if (value === '0' && (r.resource === 'limits.cpu' || r.resource === 'limits.memory')) value = 'node allocatable';
    return [`${e.name}:\t${value} (${r.resource})`];
  }
  if (from.secretKeyRef) {
    const s = from.secretKeyRef;
    return [`${e.name}:\t<set to the key '${s.key}' in secret '${s.name}'>\tOptional: ${s.optional === true}`];
  }
  if (from.configMapKeyRef) {
    const m = from.configMapKeyRef;
    return [`${e.name}:\t<set to the key '${m.key}' of config map '${m.name}'>\tOptional: ${m.optional === true}`];
  }
  return [];
}

/** describeContainerEnvFrom (when there is any) and describeContainerEnvVars; field values resolve against `pod` (none for a template). */
export function writeEnvironment(w: PrefixWriter, pod: Readonly<Pod> | undefined, c: Readonly<Container>): void {
  const envFrom = c.envFrom ?? [];
  if (envFrom.length > 0) {
    w.write(LEVEL_2, 'Environment Variables from:\n');
    for (const e of envFrom) {
      const ref = e.configMapRef ?? e.secretRef;
      const from = e.configMapRef ? 'ConfigMap' : e.secretRef ? 'Secret' : '';
      const optional = ref?.optional === true;
      w.write(LEVEL_3, e.prefix ? `${ref?.name ?? ''}\t${from} with prefix '${e.prefix}'\tOptional: ${optional}\n` : `${ref?.name ?? ''}\t${from}\tOptional: ${optional}\n`);
    }
  }
  const env = c.env ?? [];
  w.write(LEVEL_2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) for (const line of envLine(pod, c, e)) w.write(LEVEL_3, `${line}\n`);
}

/** describeContainerVolumes: `/path from vol (ro|rw[,path="sub"])`, sorted by mount path. */
export function writeMounts(w: PrefixWriter, c: Readonly<Container>): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  w.write(LEVEL_2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
    w.write(LEVEL_3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
  }
}

function writeVolumeSource(w: PrefixWriter, v: Readonly<Volume>): void {
  if (v.hostPath) {
    w.write(LEVEL_2, 'Type:\tHostPath (bare host directory volume)\n');
    w.write(LEVEL_2, `Path:\t${v.hostPath.path}\n`);
    w.write(LEVEL_2, `HostPathType:\t${v.hostPath.type || '<none>'}\n`);
  } else if (v.emptyDir) {
    w.write(LEVEL_2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n");
    w.write(LEVEL_2, `Medium:\t${v.emptyDir.medium ?? ''}\n`);
    w.write(LEVEL_2, `SizeLimit:\t${v.emptyDir.sizeLimit && memoryBytes(v.emptyDir.sizeLimit) > 0 ? v.emptyDir.sizeLimit : '<unset>'}\n`);
  } else if (v.secret) {
    w.write(LEVEL_2, 'Type:\tSecret (a volume populated by a Secret)\n');
    w.write(LEVEL_2, `SecretName:\t${v.secret.secretName}\n`);
    w.write(LEVEL_2, `Optional:\t${v.secret.optional === true}\n`);
  } else if (v.configMap) {
    w.write(LEVEL_2, 'Type:\tConfigMap (a volume populated by a ConfigMap)\n');
    w.write(LEVEL_2, `Name:\t${v.configMap.name}\n`);
    w.write(LEVEL_2, `Optional:\t${v.configMap.optional === true}\n`);
  } else if (v.downwardAPI) {
    w.write(LEVEL_2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n');
    w.write(LEVEL_2, 'Items:\n');
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) w.write(LEVEL_3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
      if (item.resourceFieldRef) w.write(LEVEL_3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
    }
  } else {
    w.write(LEVEL_2, '<unknown>\n');
  }
}

/** describeVolumes (`space`: the indent of a pod template's). */
export function writeVolumes(w: PrefixWriter, volumes: readonly Volume[] | undefined, space = ''): void {
  if (!volumes || volumes.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(LEVEL_1, `${space ? ' ' : ''}${v.name}:\n`);
    writeVolumeSource(w, v);
  }
}
