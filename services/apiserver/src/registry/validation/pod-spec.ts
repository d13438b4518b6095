// Pod spec validation with Kubernetes' field paths and messages (pkg/apis/core/validation).
// `path` is `spec` for a Pod and `spec.template.spec` for a pod template. Volumes, environment and
// probes have their own files; this one holds containers (regular and init) and the spec itself.

import { type Container, type FieldError, isDNS1123Label, isDNS1123Subdomain, isIPv4, isQualifiedName, isValidLabelValue, isValidPortName, parseQuantity, type PodSpec, type ResourceList } from '@skiff/api';
import { validateEnv, validateEnvFrom } from './env.js';
import { fe, nonNegative } from './field-errors.js';
import { validateLabels } from './meta.js';
import { validateLifecycle, validateProbe } from './probes.js';
import { nonNegativeQuantity } from './quantity.js';
import { validateVolumeMounts, validateVolumes } from './volumes.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const INIT_FORBIDDEN = 'may not be set for init containers without restartPolicy=Always';

function validatePort(field: string, port: number | undefined, required: boolean): FieldError[] {
  if (port === undefined || port === 0) return required ? [fe.required(field)] : [];
  return port < 1 || port > 65535 ? [fe.invalid(field, port, 'must be between 1 and 65535, inclusive')] : [];
}

function validateResourceList(list: ResourceList | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const p = `${field}[${name}]`;
    if (!CONTAINER_RESOURCES.includes(name)) {
      errs.push(fe.invalid(p, name, 'must be a standard resource for containers'));
      continue;
    }
    errs.push(...nonNegativeQuantity(p, raw).errors);
  }
  return errs;
}

function validateResources(c: Container, field: string): FieldError[] {
  const errs = [
    ...validateResourceList(c.resources?.limits, `${field}.limits`),
    ...validateResourceList(c.resources?.requests, `${field}.requests`),
  ];
  for (const [name, req] of Object.entries(c.resources?.requests ?? {})) {
    const limit = c.resources?.limits?.[name];
    const r = parseQuantity(req);
    const l = parseQuantity(limit);
    if (r !== undefined && l !== undefined && r > l) {
      errs.push(fe.invalid(`${field}.requests`, req, `must be less than or equal to ${name} limit of ${limit ?? ''}`));
    }
  }
  return errs;
}

/** validateContainerCommon: what regular and init containers share. */
function validateContainerCommon(c: Container, volumes: ReadonlySet<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fe.required(`${field}.name`));
  else for (const m of isDNS1123Label(c.name)) errs.push(fe.invalid(`${field}.name`, c.name, m));
  if (!c.image) errs.push(fe.required(`${field}.image`));
  else if (c.image.trim() !== c.image) errs.push(fe.invalid(`${field}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.terminationMessagePolicy === undefined) errs.push(fe.required(`${field}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(fe.notSupported(`${field}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${field}.ports[${i}]`;
    if (p.name !== undefined && p.name !== '') {
      const problems = isValidPortName(p.name);
      for (const m of problems) errs.push(fe.invalid(`${pp}.name`, p.name, m));
      if (problems.length === 0 && portNames.has(p.name)) errs.push(fe.duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
    errs.push(...validatePort(`${pp}.containerPort`, p.containerPort, true));
    errs.push(...validatePort(`${pp}.hostPort`, p.hostPort, false));
    if (p.protocol === undefined) errs.push(fe.required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fe.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  errs.push(...validateEnv(c.env, `${field}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${field}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${field}.volumeMounts`));
  // The defaulter sets the pull policy from the image; with no image, that one error is enough.
  if (c.imagePullPolicy === undefined) {
    if (c.image) errs.push(fe.required(`${field}.imagePullPolicy`));
  } else if (!PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(fe.notSupported(`${field}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  errs.push(...validateResources(c, `${field}.resources`));
  return errs;
}

/** validateContainers: the regular containers, with their probes and lifecycle hooks. */
function validateContainers(spec: PodSpec, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const containers = spec.containers ?? [];
  if (containers.length === 0) return [fe.required(`${path}.containers`)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    const ports = c.ports ?? [];
    errs.push(...validateLifecycle(c.lifecycle, ports, spec.terminationGracePeriodSeconds, `${p}.lifecycle`));
    for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) errs.push(...validateProbe(c[kind], kind, ports, `${p}.${kind}`));
  });
  return errs;
}

/** validateInitContainers: names unique across init and regular containers; no probes or hooks. */
function validateInitContainers(spec: PodSpec, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((spec.containers ?? []).map((c) => c.name));
  (spec.initContainers ?? []).forEach((c, i) => {
    const p = `${path}.initContainers[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
    else if (c.name) names.add(c.name);
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (c[f] !== undefined) errs.push(fe.forbidden(`${p}.${f}`, INIT_FORBIDDEN));
    }
  });
  return errs;
}

function validateTolerations(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (spec.tolerations ?? []).forEach((t, i) => {
    const p = `${path}.tolerations[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(fe.invalid(`${p}.key`, t.key, m));
    const op = t.operator ?? 'Equal';
    if (!t.key && op !== 'Exists') {
      errs.push(fe.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (!TOLERATION_OPERATORS.includes(op)) errs.push(fe.notSupported(`${p}.operator`, op, TOLERATION_OPERATORS));
    else if (op === 'Exists' && t.value) errs.push(fe.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    else if (op === 'Equal' && t.value) for (const m of isValidLabelValue(t.value)) errs.push(fe.invalid(`${p}.value`, t.value, m));
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(fe.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(fe.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return errs;
}

const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
/** Kubernetes' limits on a pod's resolver configuration (validatePodDNSConfig). */
const MAX_DNS_NAMESERVERS = 3;
const MAX_DNS_SEARCH_PATHS = 32;

/** dnsPolicy and dnsConfig, after Kubernetes' validateDNSPolicy and validatePodDNSConfig (pkg/apis/core/validation). */
function validateDns(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.dnsPolicy;
  if (policy === undefined) errs.push(fe.required(`${path}.dnsPolicy`));
  else if (!(DNS_POLICIES as readonly string[]).includes(policy)) errs.push(fe.notSupported(`${path}.dnsPolicy`, policy, DNS_POLICIES));
  const config = spec.dnsConfig;
  const p = `${path}.dnsConfig`;
  if (policy === 'None') {
    if (!config) errs.push(fe.required(p, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if ((config.nameservers ?? []).length === 0) errs.push(fe.required(`${p}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (!config) return errs;
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) errs.push(fe.invalid(`${p}.nameservers`, nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  nameservers.forEach((ns, i) => {
    if (!isIPv4(ns)) errs.push(fe.invalid(`${p}.nameservers[${i}]`, ns, 'must be a valid IPv4 address'));
  });
  const searches = config.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) errs.push(fe.invalid(`${p}.searches`, searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  searches.forEach((s, i) => {
    for (const m of isDNS1123Subdomain(s.replace(/\.$/, ''))) errs.push(fe.invalid(`${p}.searches[${i}]`, s, m));
  });
  (config.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(fe.required(`${p}.options[${i}].name`));
  });
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  if (!spec) return [fe.required(path)];
  const volumes = validateVolumes(spec.volumes, `${path}.volumes`);
  const errs: FieldError[] = [...volumes.errors];
  errs.push(...validateContainers(spec, volumes.names, path));
  errs.push(...validateInitContainers(spec, volumes.names, path));
  if (spec.restartPolicy === undefined) errs.push(fe.required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(fe.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  errs.push(...nonNegative(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds));
  if (spec.nodeName) for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(fe.invalid(`${path}.nodeName`, spec.nodeName, m));
  if (spec.schedulerName) for (const m of isDNS1123Subdomain(spec.schedulerName)) errs.push(fe.invalid(`${path}.schedulerName`, spec.schedulerName, m));
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(fe.invalid(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(fe.invalid(`${path}.subdomain`, spec.subdomain, m));
  errs.push(...validateDns(spec, path));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validateTolerations(spec, path));
  return errs;
}
