// The controller's metrics, named as ingress-nginx names them
// (internal/ingress/metric/collectors/socket.go): requests by Ingress, Service and status, and the
// request duration histogram with the same labels.

import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['ingress', 'namespace', 'service', 'status', 'method'] as const;

export interface RequestLabels {
  ingress: string;
  namespace: string;
  service: string;
  status: number;
  method: string;
}

export class IngressMetrics {
  private readonly requests: Counter<(typeof LABELS)[number]>;
  private readonly duration: Histogram<(typeof LABELS)[number]>;
  private readonly upstreamErrors: Counter<'namespace' | 'service' | 'reason'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'nginx_ingress_controller_requests',
      help: 'The total number of client requests',
      labelNames: LABELS,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'nginx_ingress_controller_request_duration_seconds',
      help: 'The request processing time in seconds: from the first byte read from the client to the last byte of the response sent',
      labelNames: LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.upstreamErrors = new Counter({
      name: 'skiff_ingress_controller_upstream_errors_total',
      help: 'Connections to endpoints that failed (refused, reset, timed out), each retried on another endpoint when possible',
      labelNames: ['namespace', 'service', 'reason'],
      registers: [registry],
    });
  }

  observe(labels: RequestLabels, seconds: number): void {
    const l = { ...labels, status: String(labels.status) };
    this.requests.inc(l);
    this.duration.observe(l, seconds);
  }

  upstreamError(namespace: string, service: string, reason: string): void {
    this.upstreamErrors.inc({ namespace, service, reason });
  }
}
