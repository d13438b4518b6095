// The edges of the wire format that dns-packet leaves to its caller: header codes (RCODE, OPCODE),
// turning received bytes into a query or a FORMERR reply, the UDP size a client accepts (512
// bytes, or its EDNS0 payload size: RFC 1035 4.2.1, RFC 6891 6.2.5), and encoding a response that
// must fit it (truncated with the TC bit, RFC 2181 9). All encoding and decoding is dns-packet's.

import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export type RcodeName = keyof typeof RCODE;

/** Header bits dns-packet carries in `flags` (RFC 1035 4.1.1): opcode in 11-14, rcode in 0-3. */
const OPCODE_MASK = 0x7800;
const RCODE_MASK = 0x000f;
export const OPCODE_QUERY = 0;

/** The smallest UDP payload every client accepts, and the one we advertise in EDNS0 (DNS flag day 2020). */
export const MIN_UDP_SIZE = 512;
export const EDNS_UDP_SIZE = 1232;
/** A TCP message's length prefix is 16 bits. */
export const MAX_TCP_SIZE = 65535;

export function opcodeOf(p: Packet): number {
  return ((p.flags ?? 0) & OPCODE_MASK) >> 11;
}

export function optOf(p: Packet): OptAnswer | undefined {
  return (p.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
}

/** The full RCODE: the header's 4 bits plus the OPT record's 8 extended bits (RFC 6891 6.1.3). */
export function rcodeOf(p: Packet): number {
  return (((optOf(p)?.extendedRcode ?? 0) << 4) | ((p.flags ?? 0) & RCODE_MASK)) >>> 0;
}

export function rcodeName(rcode: number): string {
  return (Object.keys(RCODE) as RcodeName[]).find((k) => RCODE[k] === rcode) ?? `RCODE${rcode}`;
}

/**
 * A response header for `query`: same id and opcode, RD copied (RFC 1035 4.1.1), AA when
 * authoritative, the RCODE's low 4 bits (the rest goes in the OPT record: see `responseOpt`).
 */
export function responseFlags(queryFlags: number, rcode: number, authoritative: boolean): number {
  const rd = queryFlags & dnsPacket.RECURSION_DESIRED;
  return (queryFlags & OPCODE_MASK) | rd | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (rcode & RCODE_MASK);
}

/** The OPT record of a response to an EDNS0 query (RFC 6891 7): our payload size and the extended RCODE bits. */
export function responseOpt(rcode: number): OptAnswer {
  return { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: rcode >> 4, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
}

/** FORMERR for a message we could not make sense of (no question echoed). */
export function formErr(id: number, queryFlags = 0): Packet {
  return { type: 'response', id, flags: responseFlags(queryFlags, RCODE.FORMERR, false), questions: [], answers: [], authorities: [], additionals: [] };
}

export type Received =
  | { kind: 'query'; query: DecodedPacket }
  | { kind: 'formerr'; reply: Packet }
  /** Not answered: shorter than a header (nothing to reply to), or a response (answering those loops). */
  | { kind: 'drop'; reason: string };

/** Decodes what a client sent. Undecodable bytes with a whole header are answered FORMERR. */
export function receive(buf: Buffer): Received {
  if (buf.length < 12) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const flags = buf.readUInt16BE(2);
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response, not a query' };
  try {
    return { kind: 'query', query: dnsPacket.decode(buf) };
  } catch {
    return { kind: 'formerr', reply: formErr(buf.readUInt16BE(0), flags) };
  }
}

/** The largest UDP response the client accepts: its EDNS0 payload size, at least 512 (RFC 6891 6.2.5). */
export function maxUdpSize(query: Packet): number {
  const opt = optOf(query);
  return opt ? Math.max(MIN_UDP_SIZE, Math.min(opt.udpPayloadSize, MAX_TCP_SIZE)) : MIN_UDP_SIZE;
}

/**
 * Encodes `response` in at most `maxSize` bytes. When it does not fit, the additional section goes
 * first (all but OPT), then the authority section, then as many answers as fit are kept and TC is
 * set, so the client retries over TCP (RFC 2181 9; what miekg/dns's Msg.Truncate does for CoreDNS).
 */
export function encodeResponse(response: Packet, maxSize: number): Buffer {
  if (dnsPacket.encodingLength(response) <= maxSize) return dnsPacket.encode(response);
  const opt = optOf(response);
  const additionals: Answer[] = opt ? [opt] : [];
  const slim: Packet = { ...response, additionals, authorities: [] };
  const answers = response.answers ?? [];
  const fits = (n: number): boolean => dnsPacket.encodingLength({ ...slim, answers: answers.slice(0, n) }) <= maxSize;
  if (!fits(answers.length)) {
    let lo = 0;
    let hi = answers.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return dnsPacket.encode({ ...slim, answers: answers.slice(0, lo), flags: (slim.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE });
  }
  // Every answer fits once the optional sections are gone: no TC needed (RFC 2181 9).
  const withAuthority: Packet = { ...slim, authorities: response.authorities ?? [] };
  return dnsPacket.encode(dnsPacket.encodingLength(withAuthority) <= maxSize ? withAuthority : slim);
}
