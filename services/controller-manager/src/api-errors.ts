// Kinds of API errors controllers treat specially, and the text of any error for events and logs.

import { isApiError, type ApiError } from '@skiff/api';

/**
 * A create refused because the namespace is being deleted (status cause NamespaceTerminating):
 * every later create there fails too, so controllers do not retry or report it, as Kubernetes'.
 */
export function isNamespaceTerminating(e: unknown): e is ApiError {
  return isApiError(e, 'Forbidden') && (e.details.causes?.some((c) => c.reason === 'NamespaceTerminating') === true || /because it is being terminated/.test(e.message));
}

/** The message of an error (or the thing thrown), for events and conditions. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
