import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock } from './clock.js';
import { WorkQueue } from './work-queue.js';
import { workQueueMetrics } from './workqueue-metrics.js';

test('a WorkQueue feeds client-go\'s workqueue metrics, labelled with its name', async () => {
  const registry = new Registry();
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock, name: 'things' });
  queue.metrics = workQueueMetrics(registry);
  queue.add('a');
  queue.add('b');
  const key = await queue.get();
  clock.advance(250);
  queue.addRateLimited(key ?? '');
  queue.done(key ?? '');
  const text = await registry.metrics();
  assert.match(text, /^workqueue_adds_total\{name="things"\} 2$/m);
  assert.match(text, /^workqueue_depth\{name="things"\} 1$/m);
  assert.match(text, /^workqueue_retries_total\{name="things"\} 1$/m);
  assert.match(text, /^workqueue_work_duration_seconds_sum\{name="things"\} 0\.25$/m);
});
