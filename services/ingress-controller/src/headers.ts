// Headers across the proxy: hop-by-hop headers (RFC 9110 §7.6.1, the ones RFC 2616 §13.5.1 lists
// and any named in Connection) are not forwarded in either direction; requests gain
// X-Forwarded-For (appended to, as ingress-nginx's $full_x_forwarded_for), X-Real-IP,
// X-Forwarded-Host, -Port and -Proto (taken from this connection, not trusted from the client, as
// ingress-nginx does with use-forwarded-headers=false). The client's Host header is kept.

import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const REQUEST_DROPS = new Set(['expect', 'x-real-ip', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']);
const NONE = new Set<string>();

function withoutHopByHop(headers: IncomingHttpHeaders, extraDrops: ReadonlySet<string>): OutgoingHttpHeaders {
  let named: Set<string> | undefined;
  if (headers.connection) {
    for (const token of headers.connection.split(',')) {
      const t = token.trim().toLowerCase();
      if (t) (named ??= new Set()).add(t);
    }
  }
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name) && !extraDrops.has(name) && !named?.has(name)) out[name] = value;
  }
  return out;
}

/** The client address without the IPv4-mapped IPv6 prefix. */
export function clientAddress(req: Pick<IncomingMessage, 'socket'>): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * The headers to send upstream for a request. `Expect` is dropped: Node's server has already
 * answered `100 Continue`. For an upgrade (WebSocket) `Connection: upgrade` and `Upgrade` are kept.
 */
export function requestHeaders(req: Pick<IncomingMessage, 'headers' | 'socket'>, upgrade = false): OutgoingHttpHeaders {
  const out = withoutHopByHop(req.headers, REQUEST_DROPS);
  const client = clientAddress(req);
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${client}` : client;
  out['x-real-ip'] = client;
  if (req.headers.host !== undefined) out['x-forwarded-host'] = req.headers.host;
  out['x-forwarded-port'] = String(req.socket.localPort ?? '');
  out['x-forwarded-proto'] = 'http';
  if (upgrade && req.headers.upgrade) {
    out['connection'] = 'upgrade';
    out['upgrade'] = req.headers.upgrade;
  }
  return out;
}

/** The headers of an upstream response to send to the client. */
export function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return withoutHopByHop(headers, NONE);
}

/** Whether a request carries a body (RFC 9112 §6.3: Transfer-Encoding, or a non-zero Content-Length). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const len = headers['content-length'];
  return len !== undefined && len !== '0';
}
