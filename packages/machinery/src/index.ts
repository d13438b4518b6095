export * from './clock.js';
export * from './work-queue.js';
export * from './informer.js';
export * from './run-workers.js';
export * from './event-recorder.js';
export * from './leader-elector.js';
export * from './workqueue-metrics.js';
