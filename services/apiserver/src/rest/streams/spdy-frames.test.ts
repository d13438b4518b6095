// SPDY/3.1 framing and header blocks, and the channel protocol's pure parts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDeflate, constants as zc } from 'node:zlib';
import { chooseProtocol, execOptionsFrom, exitStatus, offeredProtocols, parseClientMessage } from './channel-protocol.js';
import { controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FrameType, HeaderDeflater, HeaderInflater, parseFrames, SPDY_DICTIONARY } from './spdy-frames.js';

test('the SPDY/3 dictionary has the draft\'s 1423 bytes', () => {
  assert.equal(SPDY_DICTIONARY.length, 1423);
  assert.equal(SPDY_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
  assert.equal(SPDY_DICTIONARY.subarray(-6).toString('latin1'), 'enq=0.');
});

test('header blocks written as stored blocks inflate with zlib and the dictionary, one stream for many', async () => {
  const deflater = new HeaderDeflater();
  const inflater = new HeaderInflater();
  const first = { streamtype: 'error', port: '8080', requestid: '0' };
  const second = { streamtype: 'data', port: '8080', requestid: '0' };
  assert.deepEqual(decodeHeaderBlock(await inflater.decompress(deflater.compress(encodeHeaderBlock(first)))), first);
  assert.deepEqual(decodeHeaderBlock(await inflater.decompress(deflater.compress(encodeHeaderBlock(second)))), second);
  inflater.close();
});

test('header blocks compressed by a real zlib stream (as Go\'s spdystream does) are read in order', async () => {
  const deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  const compress = (block: Buffer): Promise<Buffer> =>
    new Promise((resolve) => {
      deflate.write(block);
      deflate.flush(zc.Z_SYNC_FLUSH, () => {
        const out: Buffer[] = [];
        for (let c = deflate.read() as Buffer | null; c !== null; c = deflate.read() as Buffer | null) out.push(c);
        resolve(Buffer.concat(out));
      });
    });
  const inflater = new HeaderInflater();
  for (let i = 0; i < 5; i++) {
    const h = { streamtype: i % 2 ? 'data' : 'error', port: '80', requestid: String(i >> 1) };
    assert.deepEqual(decodeHeaderBlock(await inflater.decompress(await compress(encodeHeaderBlock(h)))), h);
  }
  inflater.close();
  deflate.close();
});

test('frames are split off a byte stream, partial frames kept for the next read', () => {
  const bytes = Buffer.concat([controlFrame(FrameType.PING, 0, Buffer.from([0, 0, 0, 1])), dataFrame(3, 1, Buffer.from('abc'))]);
  const partial = parseFrames(bytes.subarray(0, 14));
  assert.equal(partial.frames.length, 1);
  assert.deepEqual(partial.frames[0], { kind: 'control', type: FrameType.PING, flags: 0, payload: Buffer.from([0, 0, 0, 1]) });
  const rest = parseFrames(Buffer.concat([partial.rest, bytes.subarray(14)]));
  assert.deepEqual(rest.frames, [{ kind: 'data', streamId: 3, flags: 1, data: Buffer.from('abc') }]);
  assert.equal(rest.rest.length, 0);
  assert.throws(() => parseFrames(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0])), /unsupported SPDY version 2/);
});

test('channel protocol: negotiation, options, client messages and exit statuses', () => {
  const offered = offeredProtocols(['v4.channel.k8s.io, v5.channel.k8s.io', 'channel.k8s.io']);
  assert.deepEqual(offered, ['v4.channel.k8s.io', 'v5.channel.k8s.io', 'channel.k8s.io']);
  assert.equal(chooseProtocol(offered, ['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v5.channel.k8s.io');
  assert.equal(chooseProtocol(['base64.channel.k8s.io'], ['v5.channel.k8s.io']), undefined);

  const q = new URLSearchParams('command=ls&command=-l&container=c&stdin=true&stdout=true&stderr=true&tty=true');
  assert.deepEqual(execOptionsFrom(q, false), { command: ['ls', '-l'], container: 'c', stdin: true, stdout: true, stderr: false, tty: true });
  assert.throws(() => execOptionsFrom(new URLSearchParams('stdout=true'), false), /at least one command/);
  assert.throws(() => execOptionsFrom(new URLSearchParams('command=ls'), false), /at least 1 of stdin, stdout, stderr/);

  assert.deepEqual(parseClientMessage(Buffer.from([0, 65]), 'v5.channel.k8s.io'), { kind: 'stdin', data: Buffer.from('A') });
  assert.deepEqual(parseClientMessage(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":80,"Height":24}')]), 'v5.channel.k8s.io'), { kind: 'resize', width: 80, height: 24 });
  assert.deepEqual(parseClientMessage(Buffer.concat([Buffer.from([4]), Buffer.from('not json')]), 'v5.channel.k8s.io'), { kind: 'ignored' });
  assert.deepEqual(parseClientMessage(Buffer.from([255, 0]), 'v5.channel.k8s.io'), { kind: 'close', channel: 0 });
  assert.deepEqual(parseClientMessage(Buffer.from([255, 0]), 'v4.channel.k8s.io'), { kind: 'ignored' }, 'v4 has no close');

  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  assert.deepEqual(exitStatus(3), {
    metadata: {},
    status: 'Failure',
    message: 'command terminated with non-zero exit code: exit status 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});
