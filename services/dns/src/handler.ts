// One DNS message in, at most one out, whatever the transport: decode (FORMERR for bytes that do
// not decode), answer() against the view (SERVFAIL until the caches are synced, as an answer from
// an empty cache would be a false NXDOMAIN that resolvers cache), shuffle address records (CoreDNS's
// `loadbalance`, in kubeadm's default Corefile), encode within the transport's size, observe.

import { performance } from 'node:perf_hooks';
import type { Logger } from '@skiff/component';
import type { Answer, Packet } from 'dns-packet';
import { answer, queryZone } from './answer.js';
import type { DnsView } from './dns-view.js';
import type { DnsMetrics, Proto } from './metrics.js';
import { MAX_TCP_SIZE, RCODE, encodeResponse, maxUdpSize, optOf, rcodeName, rcodeOf, receive, responseFlags, responseOpt } from './wire.js';

export interface Transport {
  proto: Proto;
  family: 1 | 2;
}

export interface HandlerDeps {
  view: DnsView;
  /** False until the Service and EndpointSlice caches are synced. */
  synced: () => boolean;
  metrics?: Pick<DnsMetrics, 'observe'>;
  log: Logger;
  /** For the address shuffle; tests pass a fixed one. */
  random?: () => number;
}

export type Handler = (message: Buffer, transport: Transport) => Buffer | undefined;

/** Answers everything SERVFAIL: the server cannot answer yet (or failed). */
export function servFail(query: Packet): Packet {
  const opt = optOf(query);
  return {
    type: 'response',
    id: query.id ?? 0,
    flags: responseFlags(query.flags ?? 0, RCODE.SERVFAIL, false),
    questions: query.questions ?? [],
    answers: [],
    authorities: [],
    additionals: opt ? [responseOpt(RCODE.SERVFAIL)] : [],
  };
}

/** Puts the A records of an answer in random order, leaving everything else where it is. */
export function shuffleAddresses(answers: Answer[], random: () => number): void {
  const at = answers.flatMap((a, i) => (a.type === 'A' ? [i] : []));
  for (let i = at.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const [x, y] = [at[i] as number, at[j] as number];
    [answers[x], answers[y]] = [answers[y] as Answer, answers[x] as Answer];
  }
}

export function createHandler(deps: HandlerDeps): Handler {
  const random = deps.random ?? Math.random;
  return (message, transport) => {
    const start = performance.now();
    const received = receive(message);
    if (received.kind === 'drop') {
      deps.log.debug({ proto: transport.proto, bytes: message.length, reason: received.reason }, 'dropped message');
      return undefined;
    }
    let response: Packet;
    let qtype: string | undefined;
    let zone = '.';
    let limit = MAX_TCP_SIZE;
    if (received.kind === 'formerr') {
      deps.log.debug({ proto: transport.proto, bytes: message.length }, 'malformed query: FORMERR');
      response = received.reply;
    } else {
      const query = received.query;
      const question = query.questions?.length === 1 ? query.questions[0] : undefined;
      qtype = question?.type;
      zone = (question && queryZone(question.name, deps.view)) ?? '.';
      if (transport.proto === 'udp') limit = maxUdpSize(query);
      try {
        response = deps.synced() ? answer(query, deps.view) : servFail(query);
        if (response.answers) shuffleAddresses(response.answers, random);
      } catch (e) {
        deps.log.error({ err: e instanceof Error ? e.message : String(e), question }, 'answering failed: SERVFAIL');
        response = servFail(query);
      }
    }
    let bytes: Buffer;
    try {
      bytes = encodeResponse(response, limit);
    } catch (e) {
      deps.log.error({ err: e instanceof Error ? e.message : String(e) }, 'encoding the response failed: SERVFAIL');
      response = { ...servFail(response), questions: [] };
      bytes = encodeResponse(response, limit);
    }
    deps.metrics?.observe({
      proto: transport.proto,
      family: transport.family,
      qtype,
      zone,
      rcode: rcodeName(rcodeOf(response)),
      requestBytes: message.length,
      responseBytes: bytes.length,
      seconds: (performance.now() - start) / 1000,
    });
    return bytes;
  };
}
