export { run, startApiserver, type ApiserverConfig, type ApiserverDeps, type RunningApiserver } from './run.js';
export { Registry, BOOTSTRAP_NAMESPACES } from './registry/registry.js';
export { MemoryStorage } from './storage/memory-storage.js';
export type { Storage } from './storage/storage.js';
