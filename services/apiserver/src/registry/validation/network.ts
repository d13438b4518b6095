// Checks the networking kinds share (Service, Endpoints, EndpointSlice, Ingress), with the messages
// of k8s.io/apimachinery/pkg/util/validation (IsDNS1035Label, IsValidIP, IsValidIPv4Address,
// IsValidPortNum, IsWildcardDNS1123Subdomain, IsFullyQualifiedDomainName, IsDomainPrefixedPath) and
// pkg/apis/core/validation (ValidateNonSpecialIP, ValidatePortNumOrName).

import { isIP } from 'node:net';
import { cidrContains, type FieldError, isDNS1123Label, isDNS1123Subdomain, isIPv4, isQualifiedName, isValidPortName, parseCidr, regexError } from '@skiff/api';
import { fe } from './field-errors.js';

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const WILDCARD_SUBDOMAIN_FMT = `\\*\\.${LABEL_FMT}(\\.${LABEL_FMT})*`;
const WILDCARD_SUBDOMAIN_RE = new RegExp(`^${WILDCARD_SUBDOMAIN_FMT}$`);
const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH_RE = new RegExp(`^${HTTP_PATH_FMT}$`);

/** A name of at most `max` characters matching `re`, with Kubernetes' messages. */
function matchName(value: string, max: number, re: RegExp, message: string, fmt: string, ...examples: string[]): string[] {
  const errs = value.length > max ? [`must be no more than ${max} characters`] : [];
  if (!re.test(value)) errs.push(regexError(message, fmt, ...examples));
  return errs;
}

/** IsDNS1035Label: Service names (ValidateServiceName) and the Services an Ingress names. */
export function isDNS1035Label(value: string): string[] {
  const message = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  return matchName(value, 63, DNS1035_LABEL_RE, message, DNS1035_LABEL_FMT, 'my-name', 'abc-123');
}

/** IsWildcardDNS1123Subdomain: `*.example.com`, the wildcard only as the whole first label. */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const message =
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
  return matchName(value, 253, WILDCARD_SUBDOMAIN_RE, message, WILDCARD_SUBDOMAIN_FMT, '*.example.com');
}

/** `field` must hold a valid IP address (either family). */
export function validateIP(field: string, value: string): FieldError[] {
  return isIP(value) === 0 ? [fe.invalid(field, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')] : [];
}

/** `field` must hold a valid IPv4 address (Skiff's networks are IPv4 only). */
export function validateIPv4(field: string, value: string): FieldError[] {
  return isIPv4(value) ? [] : [fe.invalid(field, value, 'must be a valid IPv4 address')];
}

const SPECIAL_RANGES = [
  { cidr: parseCidr('0.0.0.0/32'), detail: (ip: string) => `may not be unspecified (${ip})` },
  { cidr: parseCidr('127.0.0.0/8'), detail: () => 'may not be in the loopback range (127.0.0.0/8, ::1/128)' },
  { cidr: parseCidr('169.254.0.0/16'), detail: () => 'may not be in the link-local range (169.254.0.0/16, fe80::/10)' },
  { cidr: parseCidr('224.0.0.0/24'), detail: () => 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)' },
];

/** ValidateNonSpecialIP for an IPv4 address already known valid: endpoints may not be loopback, link-local, ... */
export function validateNonSpecialIPv4(field: string, ip: string): FieldError[] {
  return SPECIAL_RANGES.filter((r) => cidrContains(r.cidr, ip)).map((r) => fe.invalid(field, ip, r.detail(ip)));
}

/** An endpoint address: a valid IPv4 address that is not special. */
export function validateEndpointIP(field: string, ip: string): FieldError[] {
  const errs = validateIPv4(field, ip);
  return errs.length > 0 ? errs : validateNonSpecialIPv4(field, ip);
}

/** IsValidPortNum. */
export function validatePortNum(field: string, port: number): FieldError[] {
  return port >= 1 && port <= 65535 ? [] : [fe.invalid(field, port, 'must be between 1 and 65535, inclusive')];
}

/** ValidatePortNumOrName: a port number, or an IANA_SVC_NAME naming a container port. */
export function validatePortNumOrName(field: string, port: number | string): FieldError[] {
  if (typeof port === 'number') return validatePortNum(field, port);
  return isValidPortName(port).map((m) => fe.invalid(field, port, m));
}

/** A DNS-1123 label field (port names, hostnames). */
export function validateDNS1123Label(field: string, value: string): FieldError[] {
  return isDNS1123Label(value).map((m) => fe.invalid(field, value, m));
}

/** A DNS-1123 subdomain field (node names, ingress class names). */
export function validateDNS1123Subdomain(field: string, value: string): FieldError[] {
  return isDNS1123Subdomain(value).map((m) => fe.invalid(field, value, m));
}

/** appProtocol: a qualified name such as `http` or `kubernetes.io/h2c`. */
export function validateAppProtocol(field: string, value: string | undefined): FieldError[] {
  return value === undefined ? [] : isQualifiedName(value).map((m) => fe.invalid(field, value, m));
}

/** IsFullyQualifiedDomainName: at least two labels, an optional trailing dot. */
export function validateFQDN(field: string, value: string): FieldError[] {
  if (value === '') return [fe.required(field)];
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) return [fe.invalid(field, name, problems.join(','))];
  if (name.split('.').length < 2) return [fe.invalid(field, name, 'should be a domain with at least two segments separated by dots')];
  return [];
}

/** IsDomainPrefixedPath: `example.com/controller` (an IngressClass's controller). */
export function validateDomainPrefixedPath(field: string, value: string): FieldError[] {
  if (value === '') return [fe.required(field)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const path = slash < 0 ? '' : value.slice(slash + 1);
  if (host === '' || path === '') return [fe.invalid(field, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => fe.invalid(field, host, m));
  if (!HTTP_PATH_RE.test(path)) errs.push(fe.invalid(field, path, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/** IsPathSegmentName: a name used as one segment of a REST path. */
export function validatePathSegmentName(field: string, value: string): FieldError[] {
  if (value === '') return [fe.required(field)];
  if (value === '.' || value === '..') return [fe.invalid(field, value, `may not be '${value}'`)];
  return ['/', '%'].filter((c) => value.includes(c)).map((c) => fe.invalid(field, value, `may not contain '${c}'`));
}
