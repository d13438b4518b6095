// Carries Kubernetes errors across gRPC: the server puts the metav1.Status JSON in the trailing
// metadata key `skiff-status` beside the nearest gRPC code; the client rebuilds the ApiError.

import * as grpc from '@grpc/grpc-js';
import { ApiError, type Status, type StatusReason } from '@skiff/api';

export const STATUS_KEY = 'skiff-status';

const GRPC_CODE: Record<StatusReason, grpc.status> = {
  NotFound: grpc.status.NOT_FOUND,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  Conflict: grpc.status.ABORTED,
  Invalid: grpc.status.INVALID_ARGUMENT,
  BadRequest: grpc.status.INVALID_ARGUMENT,
  Forbidden: grpc.status.PERMISSION_DENIED,
  Gone: grpc.status.OUT_OF_RANGE,
  Expired: grpc.status.OUT_OF_RANGE,
  MethodNotAllowed: grpc.status.UNIMPLEMENTED,
  UnsupportedMediaType: grpc.status.INVALID_ARGUMENT,
  ServiceUnavailable: grpc.status.UNAVAILABLE,
  Timeout: grpc.status.DEADLINE_EXCEEDED,
  TooManyRequests: grpc.status.RESOURCE_EXHAUSTED,
  InternalError: grpc.status.INTERNAL,
};

/** Server side: any thrown value becomes a gRPC error carrying a Status. */
export function toGrpcError(e: unknown): grpc.StatusObject {
  const err = e instanceof ApiError ? e : new ApiError('InternalError', `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_KEY, JSON.stringify(err.toStatus()));
  return { code: GRPC_CODE[err.reason], details: err.message, metadata };
}

/** Client side: a gRPC error becomes an ApiError (ServiceUnavailable when the server is unreachable). */
export function fromGrpcError(e: unknown, server: string): ApiError {
  if (e instanceof ApiError) return e;
  const se = e as Partial<grpc.ServiceError>;
  const raw = se.metadata?.get(STATUS_KEY)[0];
  if (typeof raw === 'string') {
    try {
      return ApiError.fromStatus(JSON.parse(raw) as Status);
    } catch {
      // fall through to the code mapping
    }
  }
  switch (se.code) {
    case grpc.status.UNAVAILABLE:
      return new ApiError('ServiceUnavailable', `the server at ${server} is unavailable: ${se.details ?? 'no connection'}`);
    case grpc.status.DEADLINE_EXCEEDED:
      return new ApiError('Timeout', `the request to ${server} timed out`);
    case grpc.status.CANCELLED:
      return new ApiError('ServiceUnavailable', `the request to ${server} was cancelled`);
    default:
      return new ApiError('InternalError', se.details ?? se.message ?? String(e));
  }
}
