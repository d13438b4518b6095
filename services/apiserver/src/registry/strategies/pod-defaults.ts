// Pod defaults (pkg/apis/core/v1/defaults.go), on the fields Skiff supports: containers (init
// ones too), probes, lifecycle hooks, env field references and volumes. Also used for the pod
// template inside a ReplicaSet, as Kubernetes defaults embedded pod specs too.

import { parseQuantity, type Container, type HTTPGetAction, type ObjectFieldSelector, type PodSpec, type Probe, type Volume } from '@skiff/api';
import { normalizeQuantities } from '../validation/quantity.js';

/** `:latest` or no tag → Always; otherwise IfNotPresent (a digest counts as a tag). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  if (tagAt < 0) return 'Always';
  return image.slice(tagAt + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultHTTPGet(http: HTTPGetAction | undefined): void {
  if (!http || typeof http !== 'object') return;
  http.path ||= '/';
  http.scheme ??= 'HTTP';
}

/** SetDefaults_Probe: unset (or 0) timings become timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3. */
function defaultProbe(probe: Probe | undefined): void {
  if (!probe || typeof probe !== 'object') return;
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  defaultHTTPGet(probe.httpGet);
}

function defaultFieldRef(ref: ObjectFieldSelector | undefined): void {
  if (ref && typeof ref === 'object') ref.apiVersion ||= 'v1';
}

function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const e of c.env ?? []) defaultFieldRef(e?.valueFrom?.fieldRef);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
  if (c.resources) {
    normalizeQuantities(c.resources.limits);
    normalizeQuantities(c.resources.requests);
    // Requests default to limits for each resource that has a limit and no request.
    for (const [name, value] of Object.entries(c.resources.limits ?? {})) {
      if (value === undefined || parseQuantity(value) === undefined) continue;
      c.resources.requests ??= {};
      c.resources.requests[name] ??= value;
    }
  }
}

/** 0644, the mode of the files of configMap, secret and downwardAPI volumes. */
const DEFAULT_MODE = 0o644;

/** SetDefaults_Volume and the volume sources' defaults: a volume with no source is an emptyDir. */
function defaultVolume(v: Volume): void {
  if (v.emptyDir === undefined && v.hostPath === undefined && v.configMap === undefined && v.secret === undefined && v.downwardAPI === undefined) {
    v.emptyDir = {};
  }
  if (v.hostPath && typeof v.hostPath === 'object') v.hostPath.type ??= '';
  if (v.configMap && typeof v.configMap === 'object') v.configMap.defaultMode ??= DEFAULT_MODE;
  if (v.secret && typeof v.secret === 'object') v.secret.defaultMode ??= DEFAULT_MODE;
  if (v.downwardAPI && typeof v.downwardAPI === 'object') {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const item of v.downwardAPI.items ?? []) defaultFieldRef(item?.fieldRef);
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.enableServiceLinks ??= true;
  for (const list of [spec.containers, spec.initContainers]) if (Array.isArray(list)) for (const c of list) if (isObject(c)) defaultContainer(c);
  if (Array.isArray(spec.volumes)) for (const v of spec.volumes) if (isObject(v)) defaultVolume(v);
}
