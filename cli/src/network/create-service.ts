// The Service `skiff create service clusterip|nodeport|loadbalancer|externalname NAME` makes, as
// kubectl's create_service.go does: label and selector `app: NAME`, one TCP port per --tcp
// `port[:targetPort]` (named after it, `5678-8080`), the node port of --node-port on each.

import { isDNS1123Subdomain, isValidPortName, type Service, type ServicePort, type ServiceType } from '@skiff/api';
import { CliError } from '../errors.js';

export interface CreateServiceOptions {
  type: ServiceType;
  name: string;
  /** `port` or `port:targetPort` each. */
  tcp: readonly string[];
  clusterIp?: string | undefined;
  nodePort?: number | undefined;
  externalName?: string | undefined;
}

/** kubectl's parsePorts: the port (0-65535), and the target port (1-65535, or a port name), default the port. */
export function parseTcpPort(spec: string): { port: number; targetPort: number | string } {
  const [portText = '', targetText] = spec.split(':');
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new CliError(`error: invalid port "${portText}" in --tcp=${spec}: must be a number from 0 to 65535`);
  const port = Number(portText);
  if (targetText === undefined) return { port, targetPort: port };
  if (/^\d+$/.test(targetText)) {
    const n = Number(targetText);
    if (n < 1 || n > 65535) throw new CliError(`error: must be between 1 and 65535, inclusive`);
    return { port, targetPort: n };
  }
  const problems = isValidPortName(targetText);
  if (problems.length > 0) throw new CliError(`error: ${problems.join(',')}`);
  return { port, targetPort: targetText };
}

/** ServiceOptions.Validate, then createService. */
export function buildService(o: Readonly<CreateServiceOptions>): Service {
  if (o.clusterIp === 'None' && o.type !== 'ClusterIP') throw new CliError('error: ClusterIP=None can only be used with ClusterIP service type');
  if (o.clusterIp !== 'None' && o.tcp.length === 0 && o.type !== 'ExternalName') throw new CliError('error: at least one tcp port specifier must be provided');
  if (o.type === 'ExternalName' && isDNS1123Subdomain(o.externalName ?? '').length > 0) {
    throw new CliError(`error: invalid service external name ${o.externalName ?? ''}`);
  }
  const ports: ServicePort[] = o.tcp.map((spec) => {
    const { port, targetPort } = parseTcpPort(spec);
    return { name: spec.replaceAll(':', '-'), port, targetPort, protocol: 'TCP', ...(o.nodePort ? { nodePort: o.nodePort } : {}) };
  });
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, labels: { app: o.name } },
    spec: { type: o.type, selector: { app: o.name }, ports },
  };
  if (o.externalName) service.spec.externalName = o.externalName;
  if (o.clusterIp) service.spec.clusterIP = o.clusterIp;
  return service;
}
