export * from './types.js';
export * from './errors.js';
export * from './resources.js';
export * from './label-selector.js';
export * from './field-selector.js';
export * from './quantity.js';
export * from './meta.js';
export * from './pod-qos.js';
