// A container's environment (pkg/apis/core/validation ValidateEnv, ValidateEnvFrom and the
// downward API selectors they share with downwardAPI volumes), with Kubernetes' field paths and
// messages. Variable names follow Kubernetes' relaxed rule (RelaxedEnvironmentVariableValidation,
// on by default since 1.32): printable ASCII other than '='.

import { type EnvFromSource, type EnvVar, type FieldError, isConfigMapKey, isDNS1123Subdomain, isEnvVarName, isQualifiedName, type ObjectFieldSelector, parseQuantity, type ResourceFieldSelector } from '@skiff/api';
import { fe } from './field-errors.js';
import { QUANTITY_MESSAGE } from './quantity.js';

/** validEnvDownwardAPIFieldPathExpressions. */
export const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];

/** The fields ConvertDownwardAPIFieldLabel knows for v1 pods. */
const POD_FIELD_LABELS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

export const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

const SUBSCRIPTED = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/;

/** validateObjectFieldSelector: `expressions` are the paths allowed without a subscript. */
export function validateObjectFieldSelector(fs: ObjectFieldSelector, expressions: readonly string[], path: string): FieldError[] {
  if (!fs.apiVersion) return [fe.required(`${path}.apiVersion`)];
  if (!fs.fieldPath) return [fe.required(`${path}.fieldPath`)];
  if (fs.apiVersion !== 'v1') return [fe.invalid(`${path}.fieldPath`, fs.fieldPath, `error converting fieldPath: unsupported pod version: ${fs.apiVersion}`)];
  const sub = SUBSCRIPTED.exec(fs.fieldPath);
  if (sub) {
    const key = sub[2] ?? '';
    const name = sub[1] === 'metadata.annotations' ? key.toLowerCase() : key;
    return isQualifiedName(name).map((m) => fe.invalid(path, name, m));
  }
  const label = fs.fieldPath === 'spec.host' ? 'spec.nodeName' : fs.fieldPath;
  if (!POD_FIELD_LABELS.has(label)) return [fe.invalid(`${path}.fieldPath`, fs.fieldPath, `error converting fieldPath: field label not supported: ${fs.fieldPath}`)];
  if (!expressions.includes(label)) return [fe.notSupported(`${path}.fieldPath`, label, expressions)];
  return [];
}

const CPU_DIVISORS = [1e-3, 1];
const BYTE_DIVISORS = [1, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18, 2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40, 2 ** 50, 2 ** 60];

/** validateContainerResourceFieldSelector (`volume`: containerName is required, as in downwardAPI volumes). */
export function validateResourceFieldSelector(fs: ResourceFieldSelector, path: string, volume: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (volume && !fs.containerName) errs.push(fe.required(`${path}.containerName`));
  else if (!fs.resource) errs.push(fe.required(`${path}.resource`));
  else if (!RESOURCE_FIELD_PATHS.includes(fs.resource)) errs.push(fe.notSupported(`${path}.resource`, fs.resource, RESOURCE_FIELD_PATHS));
  if (fs.divisor === undefined) return errs;
  const divisor = parseQuantity(fs.divisor);
  if (divisor === undefined) return [...errs, fe.invalid(`${path}.divisor`, fs.divisor, QUANTITY_MESSAGE)];
  if (divisor === 0) return errs;
  const resource = fs.resource ?? '';
  if (resource.endsWith('.cpu') && !CPU_DIVISORS.includes(divisor)) {
    errs.push(fe.invalid(`${path}.divisor`, resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
  } else if ((resource.endsWith('.memory') || resource.endsWith('.ephemeral-storage')) && !BYTE_DIVISORS.includes(divisor)) {
    const what = resource.endsWith('.memory') ? 'memory' : 'local ephemeral storage';
    errs.push(fe.invalid(`${path}.divisor`, resource, `only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the ${what} resource`));
  }
  return errs;
}

function validateKeySelector(s: { name?: string; key?: string }, path: string): FieldError[] {
  const errs = isDNS1123Subdomain(s.name ?? '').map((m) => fe.invalid(`${path}.name`, s.name ?? '', m));
  if (!s.key) errs.push(fe.required(`${path}.key`));
  else for (const m of isConfigMapKey(s.key)) errs.push(fe.invalid(`${path}.key`, s.key, m));
  return errs;
}

function validateValueFrom(ev: EnvVar, path: string): FieldError[] {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    errs.push(...validateObjectFieldSelector(from.fieldRef, ENV_FIELD_PATHS, `${path}.fieldRef`));
  }
  if (from.resourceFieldRef) {
    sources++;
    errs.push(...validateResourceFieldSelector(from.resourceFieldRef, `${path}.resourceFieldRef`, false));
  }
  if (from.configMapKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.configMapKeyRef, `${path}.configMapKeyRef`));
  }
  if (from.secretKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.secretKeyRef, `${path}.secretKeyRef`));
  }
  if (sources === 0) errs.push(fe.invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(fe.invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(fe.invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

export function validateEnv(vars: readonly EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!ev.name) errs.push(fe.required(`${p}.name`));
    else for (const m of isEnvVarName(ev.name)) errs.push(fe.invalid(`${p}.name`, ev.name, m));
    errs.push(...validateValueFrom(ev, `${p}.valueFrom`));
  });
  return errs;
}

/** A ConfigMap or Secret name given as an envFrom source (ValidateConfigMapName with prefix). */
function validateSourceName(name: string | undefined, path: string): FieldError[] {
  if (!name) return [fe.required(`${path}.name`)];
  return isDNS1123Subdomain(name.replace(/-$/, 'a')).map((m) => fe.invalid(`${path}.name`, name, m));
}

export function validateEnvFrom(sources: readonly EnvFromSource[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (sources ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (ev.prefix) for (const m of isEnvVarName(ev.prefix)) errs.push(fe.invalid(`${p}.prefix`, ev.prefix, m));
    let count = 0;
    if (ev.configMapRef) {
      count++;
      errs.push(...validateSourceName(ev.configMapRef.name, `${p}.configMapRef`));
    }
    if (ev.secretRef) {
      count++;
      errs.push(...validateSourceName(ev.secretRef.name, `${p}.secretRef`));
    }
    if (count === 0) errs.push(fe.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (count > 1) errs.push(fe.invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}
