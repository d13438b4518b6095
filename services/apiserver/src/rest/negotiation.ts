// Content negotiation: what the Accept header asks for (a meta.k8s.io Table, aggregated
// discovery, or plain JSON) and which decoder a request body's Content-Type selects.

import type { IncomingMessage } from 'node:http';

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Parses `Accept` (or `Content-Type`) into media ranges, in the order given. */
export function parseMediaTypes(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const out: Record<string, string> = {};
      for (const p of params) {
        const eq = p.indexOf('=');
        if (eq > 0) out[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      }
      return { type: type.toLowerCase(), params: out };
    })
    .filter((m) => m.type !== '');
}

/** The media type of a Content-Type header without parameters ('' when absent). */
export function mediaTypeOf(req: IncomingMessage): string {
  return parseMediaTypes(req.headers['content-type'])[0]?.type ?? '';
}

function isJsonLike(type: string): boolean {
  return type === 'application/json' || type === 'application/*' || type === '*/*';
}

/** Whether the client asks for a meta.k8s.io/v1 Table (before any plain-JSON alternative). */
export function wantsTable(req: IncomingMessage): boolean {
  for (const m of parseMediaTypes(req.headers.accept)) {
    if (m.params['as'] === 'Table' && m.params['g'] === 'meta.k8s.io' && m.params['v'] === 'v1' && m.type === 'application/json') return true;
    if (m.params['as'] === undefined && isJsonLike(m.type)) return false;
  }
  return false;
}

export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the client asks for apidiscovery.k8s.io/v2 APIGroupDiscoveryList. */
export function wantsAggregatedDiscovery(req: IncomingMessage): boolean {
  for (const m of parseMediaTypes(req.headers.accept)) {
    if (m.type === 'application/json' && m.params['as'] === 'APIGroupDiscoveryList' && m.params['g'] === 'apidiscovery.k8s.io' && m.params['v'] === 'v2') return true;
    if (m.params['as'] === undefined && isJsonLike(m.type)) return false;
  }
  return false;
}
