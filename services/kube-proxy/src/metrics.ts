// kube-proxy's Prometheus metrics, with Kubernetes' names, help and buckets
// (pkg/proxy/metrics/metrics.go), plus two gauges Skiff adds: the service ports and ready
// endpoints the last sync programmed.

import { Counter, Gauge, Histogram, exponentialBuckets, type Registry } from 'prom-client';

export class ProxyMetrics {
  readonly syncDuration: Histogram;
  readonly syncFullDuration: Histogram;
  readonly syncPartialDuration: Histogram;
  readonly lastTimestamp: Gauge;
  readonly lastQueuedTimestamp: Gauge;
  readonly iptablesTotal: Gauge<'table'>;
  readonly iptablesLast: Gauge<'table'>;
  readonly restoreFailures: Counter;
  readonly syncFailures: Counter;
  readonly endpointChanges: Counter;
  readonly serviceChanges: Counter;
  readonly endpointChangesPending: Gauge;
  readonly serviceChangesPending: Gauge;
  readonly servicePorts: Gauge;
  readonly endpoints: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.syncDuration = new Histogram({
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds',
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.syncFullDuration = new Histogram({
      name: 'kubeproxy_sync_full_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds for full resyncs',
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.syncPartialDuration = new Histogram({
      name: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds for partial resyncs',
      buckets: exponentialBuckets(0.001, 2, 15),
      registers,
    });
    this.lastTimestamp = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
      help: 'The last time proxy rules were successfully synced',
      registers,
    });
    this.lastQueuedTimestamp = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds',
      help: 'The last time a sync of proxy rules was queued',
      registers,
    });
    this.iptablesTotal = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_iptables_total',
      help: 'Total number of iptables rules owned by kube-proxy',
      labelNames: ['table'],
      registers,
    });
    this.iptablesLast = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_iptables_last',
      help: 'Number of iptables rules written by kube-proxy in last sync',
      labelNames: ['table'],
      registers,
    });
    this.restoreFailures = new Counter({
      name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total',
      help: 'Cumulative proxy iptables restore failures',
      registers,
    });
    this.syncFailures = new Counter({
      name: 'skiff_kubeproxy_sync_proxy_rules_failures_total',
      help: 'Syncs that failed (iptables or userspace) and will be retried',
      registers,
    });
    this.endpointChanges = new Counter({
      name: 'kubeproxy_sync_proxy_rules_endpoint_changes_total',
      help: 'Cumulative proxy rules Endpoint changes',
      registers,
    });
    this.serviceChanges = new Counter({
      name: 'kubeproxy_sync_proxy_rules_service_changes_total',
      help: 'Cumulative proxy rules Service changes',
      registers,
    });
    this.endpointChangesPending = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_endpoint_changes_pending',
      help: 'Pending proxy rules Endpoint changes',
      registers,
    });
    this.serviceChangesPending = new Gauge({
      name: 'kubeproxy_sync_proxy_rules_service_changes_pending',
      help: 'Pending proxy rules Service changes',
      registers,
    });
    this.servicePorts = new Gauge({
      name: 'skiff_kubeproxy_service_ports',
      help: 'Service ports programmed by the last successful sync',
      registers,
    });
    this.endpoints = new Gauge({
      name: 'skiff_kubeproxy_ready_endpoints',
      help: 'Ready endpoints (service port × endpoint) programmed by the last successful sync',
      registers,
    });
  }
}
