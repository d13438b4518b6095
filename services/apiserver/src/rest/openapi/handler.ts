// Serves /openapi/v3 and /openapi/v3/<group-version> (the REST server's OpenApiHandler seam,
// rest/extensions.ts), as kube-openapi's handler3 does: JSON documents with an ETag; a request
// whose `hash` matches the current document may be cached for good, one with a stale hash is
// redirected to the current URL. /openapi/v2 is not served (kubectl falls back to v3 or does
// without), so it falls through to the server's 404.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenApiHandler } from '../extensions.js';
import { openApiEntry, openApiIndex } from './document.js';

const PREFIX = '/openapi/v3';

function send(req: IncomingMessage, res: ServerResponse, body: object, etag: string | undefined, immutable: boolean): void {
  if (etag) {
    res.setHeader('ETag', `"${etag}"`);
    if (req.headers['if-none-match'] === `"${etag}"`) {
      res.writeHead(304).end();
      return;
    }
  }
  res.setHeader('Cache-Control', immutable ? 'public, immutable, max-age=31536000' : 'no-cache, private');
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Answers /openapi/v3[/...] GETs; false for anything else (the server answers 404). */
export const openApiHandler: OpenApiHandler = (req, res, path) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === PREFIX || path === `${PREFIX}/`) {
    send(req, res, openApiIndex(), undefined, false);
    return true;
  }
  if (!path.startsWith(`${PREFIX}/`)) return false;
  const entry = openApiEntry(path.slice(PREFIX.length + 1));
  if (!entry) return false;
  const wanted = new URL(req.url ?? '/', 'http://x').searchParams.get('hash');
  if (wanted !== null && wanted !== entry.hash) {
    res.writeHead(301, { Location: `${path}?hash=${entry.hash}` }).end();
    return true;
  }
  send(req, res, entry.doc, entry.hash, wanted !== null);
  return true;
};
