// How the CLI reports failures, in kubectl's words (k8s.io/kubectl/pkg/cmd/util/helpers.go
// checkErr/StandardErrorMessage): server errors as `Error from server (Reason): message`, an
// unreachable server as kubectl's connection message, anything else as `error: message`.

import { ApiError } from '@skiff/api';

/** A failure whose message is already what the user should read (printed as is). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** `error: ...` with kubectl's prefix (not doubled). */
export function usageError(message: string): CliError {
  return new CliError(message.startsWith('error: ') ? message : `error: ${message}`);
}

function isConnectionRefused(e: ApiError): boolean {
  return isUnreachable(e) && /ECONNREFUSED|connection refused/i.test(e.message);
}

/** True when the error comes from the client side of the connection (no Status from the server). */
export function isUnreachable(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'ServiceUnavailable' && /^the server at .* is unavailable|^the request to .* was cancelled/.test(e.message);
}

export function formatError(e: unknown, server: string): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof ApiError) {
    if (isConnectionRefused(e)) return `The connection to the server ${server} was refused - did you specify the right host or port?`;
    if (isUnreachable(e)) return `Unable to connect to the server: ${e.message.replace(/^the server at \S+ is unavailable: /, '')}`;
    if (e.reason === 'Timeout' && /^the request to .* timed out$/.test(e.message)) return `Unable to connect to the server: ${e.message}`;
    return `Error from server (${e.reason}): ${e.message}`;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith('error: ') ? msg : `error: ${msg}`;
}

/** Adds the manifest a failure came from, as kubectl's AddSourceToErr does. */
export function withSource(verb: string, source: string, e: unknown): unknown {
  if (source === '') return e;
  if (e instanceof ApiError) {
    if (isUnreachable(e)) return e;
    return new ApiError(e.reason, `error when ${verb} "${source}": ${e.message}`, e.details);
  }
  if (e instanceof CliError) return e;
  return new Error(`error when ${verb} "${source}": ${e instanceof Error ? e.message : String(e)}`);
}
