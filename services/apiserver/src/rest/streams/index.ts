// The streaming subresources of pods, plugged into the REST server's upgrade seam
// (extensions.ts `upgrade`): exec over WebSocket (v5.channel.k8s.io / v4.channel.k8s.io) and
// portforward over SPDY/3.1 (tunnelled in WebSocket as `SPDY/3.1+portforward.k8s.io`, or kubectl's
// fallback `Upgrade: SPDY/3.1`). Everything that can be checked is checked before the 101: a bad
// handshake, options, a missing pod or container are answered with a Status over plain HTTP.
// attach is refused (Skiff's kubelet has no attach).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors, type Pod } from '@skiff/api';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { checkStart } from '../../server/exec.js';
import { kubeletEndpointOf } from '../../server/kubelet-target.js';
import type { UpgradeHandler, UpgradeRequest } from '../extensions.js';
import { HttpError } from '../status.js';
import { chooseProtocol, EXEC_PROTOCOLS, execOptionsFrom, offeredProtocols } from './channel-protocol.js';
import { runExecSession } from './exec.js';
import { refuseUpgrade, upgradeKind, webSocketHandshakeProblem } from './handshake.js';
import { PORTFORWARD_PROTOCOL, runPortForwardSession, SPDY_TUNNEL_PROTOCOL } from './portforward.js';

/** The largest WebSocket message accepted from a client. */
const MAX_PAYLOAD = 16 << 20;

/**
 * Accepts the WebSocket with `protocol` and hands it on. The subprotocol header is negotiated here,
 * not by ws, which refuses `SPDY/3.1+portforward.k8s.io` ('/' is no token character; Go's
 * clients send it all the same).
 */
function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string, then: (ws: WebSocket) => void): void {
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: MAX_PAYLOAD });
  delete req.headers['sec-websocket-protocol'];
  wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
  wss.handleUpgrade(req, socket, head, (ws) => {
    then(ws);
    wss.close();
  });
}

function badHandshake(message: string): ApiError {
  return errors.badRequest(`unable to upgrade connection: ${message}`);
}

async function upgradeExec(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeRequest): Promise<void> {
  // What the request asks for is checked first: kubectl retries a refused WebSocket over SPDY, and
  // the error it then prints should be the real one.
  if (ctx.subresource === 'attach') throw new HttpError(501, 'NotImplemented', 'pods/attach is not supported: Skiff runs commands in containers with exec');
  const options = execOptionsFrom(ctx.query, false);
  const target = await checkStart(ctx.registry, {
    namespace: ctx.namespace,
    name: ctx.name,
    container: options.container,
    command: options.command,
    stdin: options.stdin,
    tty: options.tty,
    pod_uid: '',
  });
  const kind = upgradeKind(req);
  if (kind !== 'websocket') {
    throw badHandshake(
      kind === 'spdy'
        ? `${ctx.subresource} over SPDY is not served; use WebSocket with one of the subprotocols ${EXEC_PROTOCOLS.join(', ')} (kubectl 1.30 and later do)`
        : `${ctx.subresource} needs a WebSocket upgrade (Upgrade: websocket)`,
    );
  }
  const problem = webSocketHandshakeProblem(req);
  if (problem) throw badHandshake(problem);
  const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
  const protocol = chooseProtocol(offered, EXEC_PROTOCOLS);
  if (!protocol) {
    throw badHandshake(`no supported WebSocket subprotocol: the client offered [${offered.join(', ')}], the server supports [${EXEC_PROTOCOLS.join(', ')}]`);
  }
  acceptWebSocket(req, socket, head, protocol, (ws) => {
    ctx.log.debug({ pod: `${ctx.namespace}/${ctx.name}`, container: target.container, user: ctx.user.name, protocol }, 'exec started');
    runExecSession({ ws, protocol, target, options, log: ctx.log.child({ subresource: 'exec' }) });
  });
}

async function upgradePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeRequest): Promise<void> {
  const kind = upgradeKind(req);
  if (kind === 'websocket') {
    const problem = webSocketHandshakeProblem(req);
    if (problem) throw badHandshake(problem);
    const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
    if (!offered.includes(SPDY_TUNNEL_PROTOCOL)) {
      throw badHandshake(`no supported WebSocket subprotocol: the client offered [${offered.join(', ')}], the server supports [${SPDY_TUNNEL_PROTOCOL}]`);
    }
  } else if (kind === 'spdy') {
    const offered = offeredProtocols(req.headers['x-stream-protocol-version']);
    if (!offered.includes(PORTFORWARD_PROTOCOL)) {
      throw badHandshake(`unable to negotiate protocol: the client supports [${offered.join(', ')}], the server supports [${PORTFORWARD_PROTOCOL}]`);
    }
  } else {
    throw badHandshake('portforward needs a WebSocket (SPDY/3.1+portforward.k8s.io) or SPDY/3.1 upgrade');
  }
  const pod = (await ctx.registry.store('pods').get(ctx.namespace || 'default', ctx.name)) as Pod;
  const endpoint = await kubeletEndpointOf(ctx.registry, pod);
  const log = ctx.log.child({ subresource: 'portforward' });
  log.debug({ pod: `${ctx.namespace}/${ctx.name}`, user: ctx.user.name, transport: kind }, 'port forward started');
  if (kind === 'websocket') {
    acceptWebSocket(req, socket, head, SPDY_TUNNEL_PROTOCOL, (ws) => {
      runPortForwardSession({ transport: createWebSocketStream(ws), pod, endpoint, log });
    });
    return;
  }
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL}\r\n\r\n`);
  if (head.length > 0) socket.unshift(head);
  runPortForwardSession({ transport: socket, pod, endpoint, log });
}

/**
 * Serves an upgrade of pods/{exec,attach,portforward}: answers 101 and runs the stream, or
 * answers a Status over HTTP and closes the connection. Never throws.
 */
export function handleStreamUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: UpgradeRequest): void {
  const serve = async (): Promise<void> => {
    if (ctx.info.resource !== 'pods') throw errors.notFound(ctx.info.resource, ctx.name);
    switch (ctx.subresource) {
      case 'exec':
      case 'attach':
        return upgradeExec(req, socket, head, ctx);
      case 'portforward':
        return upgradePortForward(req, socket, head, ctx);
      default:
        throw errors.badRequest(`pods/${ctx.subresource} cannot be upgraded`);
    }
  };
  serve().catch((e: unknown) => {
    const code = refuseUpgrade(socket, e);
    if (code >= 500) ctx.log.warn({ err: e instanceof Error ? e.message : String(e), url: req.url }, 'stream upgrade failed');
  });
}

/** The REST server's `upgrade` extension; `close()` ends every stream it still serves. */
export function createStreamsUpgradeHandler(): UpgradeHandler & { close(): void } {
  const open = new Set<Duplex>();
  let closed = false;
  return {
    upgrade(req, socket, head, ctx) {
      if (closed) {
        refuseUpgrade(socket, errors.unavailable('the apiserver is shutting down'));
        return;
      }
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      handleStreamUpgrade(req, socket, head, ctx);
    },
    close() {
      closed = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
  };
}
