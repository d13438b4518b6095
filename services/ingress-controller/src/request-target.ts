// What the router matches on: the request's host (from the Host header) and its path (from the
// request target), both normalized the way nginx does before it picks a server and a location.

/**
 * The Host header as a name to match Ingress hosts against: lower-cased (DNS names are
 * case-insensitive), without the port and without a trailing dot; an IPv6 literal keeps its
 * brackets. '' when the request has no Host header (HTTP/1.0): only host-less rules match it.
 */
export function normalizeHost(header: string | undefined): string {
  if (!header) return '';
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * The path of a request target as nginx matches locations against it ($uri): without the query,
 * percent-decoded, with `.` and `..` segments resolved and runs of slashes merged; a trailing slash
 * is kept (Exact `/foo` must not match `/foo/`). `undefined` for a target that is not a valid path
 * (bad percent-encoding, `..` above the root): the proxy answers 400 as nginx does.
 */
export function normalizePath(target: string | undefined): string | undefined {
  let raw = target || '/';
  if (!raw.startsWith('/')) {
    // absolute-form (`GET http://host/path`), as a client talking to a proxy may send
    try {
      raw = new URL(raw).pathname;
    } catch {
      return undefined;
    }
  }
  const end = raw.search(/[?#]/);
  if (end >= 0) raw = raw.slice(0, end);
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const segments: string[] = [];
  const parts = decoded.split('/');
  for (const seg of parts) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(seg);
  }
  const last = parts[parts.length - 1];
  const trailingSlash = segments.length > 0 && (last === '' || last === '.' || last === '..');
  return `/${segments.join('/')}${trailingSlash ? '/' : ''}`;
}
