export * from './client.js';
export * from './config.js';
export * from './grpc-status.js';
export * from './proto.js';
export * from './stream-messages.js';
