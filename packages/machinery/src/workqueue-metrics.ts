// client-go's work queue metrics (k8s.io/component-base/metrics/prometheus/workqueue), fed by the
// machinery's WorkQueue through its `metrics` hook, one `name` label per queue.

import type { WorkQueueMetrics } from './work-queue.js';
import { Counter, exponentialBuckets, Gauge, Histogram, type Registry } from 'prom-client';

export function workQueueMetrics(registry: Registry): WorkQueueMetrics {
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] });
  const retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers: [registry] });
  const work = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes.',
    labelNames: ['name'],
    buckets: exponentialBuckets(10e-9, 10, 10),
    registers: [registry],
  });
  return {
    depth: (name, n) => depth.set({ name }, n),
    added: (name) => adds.inc({ name }),
    retried: (name) => retries.inc({ name }),
    workDuration: (name, seconds) => work.observe({ name }, seconds),
  };
}
