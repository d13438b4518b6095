export * from './logger.js';
export * from './observability.js';
export * from './main.js';
export * from './duration.js';
