// The downward API (pure): a pod's own fields and its containers' resources as strings, for
// `env[].valueFrom.fieldRef/resourceFieldRef` and for downwardAPI volume files. After Kubernetes'
// pkg/fieldpath/fieldpath.go (ExtractFieldPathAsString, FormatMap), pkg/api/v1/resource/helpers.go
// (ExtractContainerResourceValue: CPU rounds up to the divisor) and the kubelet's
// podFieldSelectorRuntimeValue (spec.nodeName, status.podIP, ... which only env may use).

import { cpuMillis, memoryBytes, parseQuantity } from './quantity.js';
import type { Container, Pod, ResourceFieldSelector } from './types.js';

/** The node's allocatable resources: what `limits.*` means for a container without limits. */
export interface NodeAllocatable {
  cpu: string;
  memory: string;
}

/** Go's strconv.Quote, which Kubernetes uses for label and annotation values in files. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Labels or annotations as a file: `key="value"` lines, sorted by key (fieldpath.FormatMap). */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m?.[k] ?? '')}`)
    .join('\n');
}

/** `metadata.labels['app']` → ['metadata.labels', 'app']. */
function splitSubscript(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const open = fieldPath.indexOf("['");
  if (open < 0) return undefined;
  return [fieldPath.slice(0, open), fieldPath.slice(open + 2, -2)];
}

/** The metadata fields both env and downwardAPI volumes may name. Throws for any other path. */
export function extractFieldPath(pod: Readonly<Pod>, fieldPath: string): string {
  const sub = splitSubscript(fieldPath);
  if (sub) {
    const [path, key] = sub;
    if (path === 'metadata.annotations') return pod.metadata.annotations?.[key] ?? '';
    if (path === 'metadata.labels') return pod.metadata.labels?.[key] ?? '';
    throw new Error(`fieldPath "${fieldPath}" does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** A `fieldRef` for env: the metadata fields, plus what only the kubelet knows (node, IPs). */
export function podFieldValue(pod: Readonly<Pod>, fieldPath: string, runtime: { podIP: string; hostIP: string }): string {
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      // Skiff has no service accounts: every pod runs as the namespace's "default".
      return 'default';
    case 'status.hostIP':
    case 'status.hostIPs':
      return runtime.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return runtime.podIP;
  }
  return extractFieldPath(pod, fieldPath);
}

/** A container's value of `limits.cpu`, `requests.memory`, ... divided by the divisor and rounded up.
 *  Limits that are not set are the node's allocatable (MergeContainerResourceLimits). */
export function containerResourceValue(sel: Readonly<ResourceFieldSelector>, container: Readonly<Container>, allocatable: NodeAllocatable): string {
  const divisorText = sel.divisor !== undefined && (parseQuantity(sel.divisor) ?? 0) !== 0 ? sel.divisor : '1';
  const limits: Record<string, string> = { cpu: allocatable.cpu, memory: allocatable.memory, ...stripUndefined(container.resources?.limits) };
  const requests = stripUndefined(container.resources?.requests);
  const cpu = (value: string | undefined): string => String(Math.ceil(cpuMillis(value) / Math.max(1, cpuMillis(divisorText))));
  const bytes = (value: string | undefined): string => String(Math.ceil(memoryBytes(value) / Math.max(1, memoryBytes(divisorText))));
  switch (sel.resource) {
    case 'limits.cpu':
      return cpu(limits['cpu']);
    case 'limits.memory':
      return bytes(limits['memory']);
    case 'limits.ephemeral-storage':
      return bytes(limits['ephemeral-storage']);
    case 'requests.cpu':
      return cpu(requests['cpu']);
    case 'requests.memory':
      return bytes(requests['memory']);
    case 'requests.ephemeral-storage':
      return bytes(requests['ephemeral-storage']);
  }
  throw new Error(`unsupported container resource : ${sel.resource}`);
}

/** The same for a container named by `containerName` (downwardAPI volumes name one). */
export function podContainerResourceValue(sel: Readonly<ResourceFieldSelector>, pod: Readonly<Pod>, allocatable: NodeAllocatable): string {
  const name = sel.containerName ?? '';
  const container = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
  if (!container) throw new Error(`container ${name} not found`);
  return containerResourceValue(sel, container, allocatable);
}

function stripUndefined(list: Readonly<Record<string, string | undefined>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(list ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
