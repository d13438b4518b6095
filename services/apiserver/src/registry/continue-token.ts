// The list `continue` token: opaque to clients, base64 of the list's revision and the last key
// returned. The next page lists the keys after that key (read at the current revision, so pages
// are not one snapshot) and reports the first page's revision, so a watch from it misses nothing.

import { errors } from '@skiff/api';

export interface ContinueToken {
  /** The first page's store revision. */
  rv: number;
  /** The last key returned; the next page starts after it. */
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: token.rv, start: token.start })).toString('base64url');
}

export function decodeContinue(text: string, prefix: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: not a token this server issued');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== 1 || typeof t.rv !== 'number' || typeof t.start !== 'string') {
    throw errors.badRequest('continue key is not valid: not a token this server issued');
  }
  if (!t.start.startsWith(prefix)) throw errors.badRequest('continue key is not valid: the token was issued for another list');
  return { rv: t.rv, start: t.start };
}
