// Probes and lifecycle hooks (pkg/apis/core/validation validateProbe, validateHandler,
// validateLifecycle): exactly one handler, ports by number or by a name the container declares,
// timings Kubernetes accepts (after defaulting, which turns unset ones into 1/10/1/3).

import { type ContainerPort, type FieldError, type HTTPGetAction, isValidPortName, type Lifecycle, type LifecycleHandler, type Probe, regexError } from '@skiff/api';
import { fe, nonNegative } from './field-errors.js';

const SCHEMES = ['HTTP', 'HTTPS'];
const HEADER_NAME_FMT = '[-A-Za-z0-9]+';
const HEADER_NAME_RE = new RegExp(`^${HEADER_NAME_FMT}$`);

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

/** ValidatePortNumOrName, then: a named port must be one of the container's ports. */
function validatePort(port: number | string | undefined, ports: readonly ContainerPort[], path: string): FieldError[] {
  if (typeof port === 'number') {
    return port < 1 || port > 65535 ? [fe.invalid(path, port, 'must be between 1 and 65535, inclusive')] : [];
  }
  if (port === undefined || port === '') return [fe.required(path)];
  const problems = isValidPortName(port);
  if (problems.length > 0) return problems.map((m) => fe.invalid(path, port, m));
  return ports.some((p) => p.name === port) ? [] : [fe.notFound(path, port)];
}

function validateHTTPGet(http: HTTPGetAction, ports: readonly ContainerPort[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!http.path) errs.push(fe.required(`${path}.path`));
  errs.push(...validatePort(http.port, ports, `${path}.port`));
  if (!SCHEMES.includes(http.scheme ?? '')) errs.push(fe.notSupported(`${path}.scheme`, http.scheme ?? '', SCHEMES));
  for (const h of http.httpHeaders ?? []) {
    if (!HEADER_NAME_RE.test(h.name ?? '')) {
      errs.push(fe.invalid(`${path}.httpHeaders`, h.name ?? '', regexError("a valid HTTP header must consist of alphanumeric characters or '-'", HEADER_NAME_FMT, 'X-Header-Name')));
    }
  }
  return errs;
}

/** validateHandler: exactly one of exec, httpGet, tcpSocket (and sleep, for lifecycle hooks). */
function validateHandler(h: LifecycleHandler, ports: readonly ContainerPort[], gracePeriod: number | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let handlers = 0;
  const one = (name: string, check: () => FieldError[]): void => {
    if (handlers > 0) errs.push(fe.forbidden(`${path}.${name}`, 'may not specify more than 1 handler type'));
    else {
      handlers++;
      errs.push(...check());
    }
  };
  if (h.exec) one('exec', () => ((h.exec?.command ?? []).length === 0 ? [fe.required(`${path}.exec.command`)] : []));
  if (h.httpGet) one('httpGet', () => validateHTTPGet(h.httpGet!, ports, `${path}.httpGet`));
  if (h.tcpSocket) one('tcpSocket', () => validatePort(h.tcpSocket?.port, ports, `${path}.tcpSocket.port`));
  if (h.sleep) {
    one('sleep', () => {
      const s = h.sleep?.seconds ?? 0;
      if (gracePeriod === undefined || (s > 0 && s <= gracePeriod)) return [];
      return [fe.invalid(`${path}.sleep`, s, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`)];
    });
  }
  if (handlers === 0) errs.push(fe.required(path, 'must specify a handler type'));
  return errs;
}

function atLeastOne(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 1 ? [fe.invalid(field, value, 'must be greater than or equal to 1')] : [];
}

/** validateLivenessProbe / validateReadinessProbe / validateStartupProbe. */
export function validateProbe(probe: Probe | undefined, kind: ProbeKind, ports: readonly ContainerPort[], path: string): FieldError[] {
  if (!probe) return [];
  // A probe's handler is exec, httpGet or tcpSocket (no sleep: the schema has none for probes).
  const errs = validateHandler(probe, ports, undefined, path);
  errs.push(...nonNegative(`${path}.initialDelaySeconds`, probe.initialDelaySeconds));
  errs.push(...atLeastOne(`${path}.timeoutSeconds`, probe.timeoutSeconds));
  errs.push(...atLeastOne(`${path}.periodSeconds`, probe.periodSeconds));
  errs.push(...atLeastOne(`${path}.successThreshold`, probe.successThreshold));
  errs.push(...atLeastOne(`${path}.failureThreshold`, probe.failureThreshold));
  const grace = probe.terminationGracePeriodSeconds;
  if (grace !== undefined) {
    if (kind === 'readinessProbe') errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
    else if (grace <= 0) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
  }
  if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(fe.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errs;
}

export function validateLifecycle(lc: Lifecycle | undefined, ports: readonly ContainerPort[], gracePeriod: number | undefined, path: string): FieldError[] {
  if (!lc) return [];
  return [
    ...(lc.postStart ? validateHandler(lc.postStart, ports, gracePeriod, `${path}.postStart`) : []),
    ...(lc.preStop ? validateHandler(lc.preStop, ports, gracePeriod, `${path}.preStop`) : []),
  ];
}
