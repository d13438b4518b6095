// The apiserver's metrics, with Kubernetes' names: requests by verb, resource and HTTP code, their
// latency, open watches per resource, and etcd request latency per operation and resource.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Kubernetes' buckets for both apiserver_request_duration_seconds and etcd_request_duration_seconds.
const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export class ApiserverMetrics {
  readonly requestTotal: Counter<'verb' | 'resource' | 'code'>;
  readonly requestDuration: Histogram<'verb' | 'resource'>;
  readonly registeredWatchers: Gauge<'resource'>;
  readonly etcdRequestDuration: Histogram<'operation' | 'type'>;

  constructor(registry: Registry) {
    this.requestTotal = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, resource, and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource.',
      labelNames: ['verb', 'resource'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.registeredWatchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resource.',
      labelNames: ['resource'],
      registers: [registry],
    });
    this.etcdRequestDuration = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: 'Etcd request latency in seconds for each operation and object type.',
      labelNames: ['operation', 'type'],
      buckets: BUCKETS,
      registers: [registry],
    });
  }
}
