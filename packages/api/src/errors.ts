// Errors with Kubernetes semantics. Storage raises them, the registry adds field paths, and both
// the gRPC surface and the CLI show them the way Kubernetes does (metav1.Status with a reason and
// an HTTP code), so a caller can tell NotFound from Conflict without parsing messages.

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Forbidden'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError';

export interface StatusCause {
  /** e.g. FieldValueRequired, FieldValueInvalid, FieldValueDuplicate, FieldValueNotSupported */
  reason: string;
  message: string;
  /** Field path such as `spec.containers[0].image`. */
  field: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  code: number;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
}

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  Forbidden: 403,
  Gone: 410,
  Expired: 410,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
  ServiceUnavailable: 503,
  Timeout: 504,
  TooManyRequests: 429,
  InternalError: 500,
};

export class ApiError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: NonNullable<Status['details']>;

  constructor(reason: StatusReason, message: string, details: Status['details'] = {}) {
    super(message);
    this.name = 'ApiError';
    this.reason = reason;
    this.code = CODES[reason];
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (Object.keys(this.details).length > 0) status.details = this.details;
    return status;
  }

  static fromStatus(status: Status): ApiError {
    return new ApiError(status.reason, status.message, status.details ?? {});
  }
}

/** A field-level validation problem, as Kubernetes' field.Error. */
export interface FieldError {
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueDuplicate'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany'
    | 'FieldValueNotFound';
  field: string;
  message: string;
}

/** `kind` is the Kind ("Pod"); `resource` the plural resource name ("pods"). */
export const errors = {
  notFound: (resource: string, name: string) =>
    new ApiError('NotFound', `${resource} "${name}" not found`, { name, kind: resource }),
  alreadyExists: (resource: string, name: string) =>
    new ApiError('AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource }),
  conflict: (resource: string, name: string, why: string) =>
    new ApiError(
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": ${why}`,
      { name, kind: resource },
    ),
  staleResourceVersion: (resource: string, name: string) =>
    errors.conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again'),
  /** Kubernetes' message: `Pod "x" is invalid: spec.containers[0].image: Required value`. */
  invalid: (kind: string, name: string, fieldErrors: FieldError[]) => {
    const parts = fieldErrors.map((e) => `${e.field}: ${e.message}`);
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return new ApiError('Invalid', `${kind} "${name}" is invalid: ${summary}`, {
      name,
      kind,
      causes: fieldErrors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
    });
  },
  badRequest: (message: string) => new ApiError('BadRequest', message),
  forbidden: (resource: string, name: string, why: string) =>
    new ApiError('Forbidden', `${resource} "${name}" is forbidden: ${why}`, { name, kind: resource }),
  gone: (message: string) => new ApiError('Expired', message),
  unavailable: (message: string) => new ApiError('ServiceUnavailable', message),
  internal: (message: string) => new ApiError('InternalError', `Internal error occurred: ${message}`),
};

export function isApiError(e: unknown, reason?: StatusReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}

/** Gone and Expired both mean "that revision is compacted: relist". */
export function isGone(e: unknown): boolean {
  return e instanceof ApiError && (e.reason === 'Gone' || e.reason === 'Expired');
}
