// Errors of the REST API as Kubernetes' metav1.Status: an ApiError's own Status, plus the few
// reasons only the HTTP layer produces (413 RequestEntityTooLarge, 406 NotAcceptable).

import { ApiError, type KubeObject, type Status } from '@skiff/api';

/** A Status the HTTP layer answers with; `reason` may be one ApiError does not know. */
export interface HttpStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code: number;
  details?: Status['details'] & { uid?: string };
}

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Kubernetes' answer to an unknown path or resource. */
export function notFoundPath(): ApiError {
  return new ApiError('NotFound', 'the server could not find the requested resource');
}

export function methodNotAllowed(method: string, what: string): ApiError {
  return new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${what}`);
}

export function unsupportedMediaType(contentType: string, supported: readonly string[]): ApiError {
  return new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}; got ${JSON.stringify(contentType)}`);
}

export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function unauthorized(): HttpError {
  return new HttpError(401, 'Unauthorized', 'Unauthorized');
}

/** The Status body of any error; unknown errors are InternalError (500). */
export function statusOf(e: unknown): HttpStatus {
  if (e instanceof ApiError) return e.toStatus();
  if (e instanceof HttpError) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code };
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`, reason: 'InternalError', code: 500 };
}

/** What a delete that removed the object at once answers (the generic store's finalizeDelete). */
export function deleteSuccess(obj: KubeObject, group: string, resource: string): HttpStatus {
  const details: NonNullable<HttpStatus['details']> = { name: obj.metadata.name ?? '', group, kind: resource };
  if (obj.metadata.uid) details.uid = obj.metadata.uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200, details };
}
