// Loads proto/skiff/v1/api.proto at run time with @grpc/proto-loader. Messages are plain objects
// with the proto field names in camelCase-free snake form kept (keepCase), longs as numbers.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const PROTO_PATH = fileURLToPath(new URL('../../../proto/skiff/v1/api.proto', import.meta.url));

let cached: grpc.GrpcObject | undefined;

export function loadSkiffProto(): { Resources: grpc.ServiceClientConstructor; Kubelet: grpc.ServiceClientConstructor } {
  cached ??= grpc.loadPackageDefinition(
    loadSync(PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true }),
  );
  const v1 = (cached['skiff'] as grpc.GrpcObject)['v1'] as grpc.GrpcObject;
  return {
    Resources: v1['Resources'] as grpc.ServiceClientConstructor,
    Kubelet: v1['Kubelet'] as grpc.ServiceClientConstructor,
  };
}

/** Keep connections alive across idle periods and notice a dead peer within ~20 s. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};
