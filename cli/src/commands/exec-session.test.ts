import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ApiError, type Status } from '@skiff/api';
import type { ExecOutputFrame, ExecStream } from '@skiff/client';
import { execExit, parseExecArgs, runExecSession, type ExecTerminal, type TerminalSize } from './exec-session.js';

test('the pod comes before --, the command after it', () => {
  assert.deepEqual(parseExecArgs(['web', 'ls', '-la', '/'], 1), { target: 'web', command: ['ls', '-la', '/'] });
  assert.deepEqual(parseExecArgs(['deploy/web', 'sh', '-c', 'exit 3'], 1), { target: 'deploy/web', command: ['sh', '-c', 'exit 3'] });
});

test('exec without --, without a pod or without a command is refused with kubectl words', () => {
  assert.throws(() => parseExecArgs(['web', 'ls'], -1), /exec \[POD\] \[COMMAND\] is not supported anymore\. Use exec \[POD\] -- \[COMMAND\] instead/);
  assert.throws(() => parseExecArgs(['ls'], 0), /^CliError: error: pod, type\/name or --filename must be specified$/);
  assert.throws(() => parseExecArgs(['web'], 1), /you must specify at least one command for the container/);
  assert.throws(() => parseExecArgs(['web'], -1), /you must specify at least one command for the container/);
});

/** An ExecStream whose output the test scripts (frames, then optionally an error) and whose input it records. */
class FakeExecStream implements ExecStream {
  readonly written: Buffer[] = [];
  readonly resizes: TerminalSize[] = [];
  stdinClosed = false;
  cancelled = false;
  private readonly frames: ExecOutputFrame[] = [];
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  push(...frames: ExecOutputFrame[]): void {
    this.frames.push(...frames);
    this.wake?.();
  }

  end(error?: unknown): void {
    this.failure = error;
    this.ended = true;
    this.wake?.();
  }

  write(data: Buffer): void {
    this.written.push(data);
  }

  resize(width: number, height: number): void {
    this.resizes.push({ width, height });
  }

  closeStdin(): void {
    this.stdinClosed = true;
  }

  cancel(): void {
    this.cancelled = true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ExecOutputFrame> {
    for (;;) {
      const f = this.frames.shift();
      if (f) {
        yield f;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

function sinks() {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  return { out, err, stdout: (b: Buffer) => void out.push(b), stderr: (b: Buffer) => void err.push(b) };
}

test('output frames go to stdout and stderr as bytes; the exit ends the session', async () => {
  const stream = new FakeExecStream();
  const binary = Buffer.from([0xff, 0x00, 0x80]);
  stream.push({ stdout: Buffer.from('hello\n') }, { stderr: Buffer.from('oops\n') }, { stdout: binary }, { exit: { exitCode: 3 } });
  const s = sinks();
  const result = await runExecSession(stream, s);
  assert.deepEqual(result, { exitCode: 3 });
  assert.equal(Buffer.concat(s.out).toString('latin1'), Buffer.concat([Buffer.from('hello\n'), binary]).toString('latin1'));
  assert.equal(Buffer.concat(s.err).toString(), 'oops\n');
});

test('-i: stdin is copied in and its end closes the remote stdin', async () => {
  const stream = new FakeExecStream();
  const stdin = new PassThrough();
  const s = sinks();
  const done = runExecSession(stream, { ...s, stdin });
  stdin.write('line 1\n');
  stdin.end('line 2\n');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(Buffer.concat(stream.written).toString(), 'line 1\nline 2\n');
  assert.equal(stream.stdinClosed, true);
  stream.push({ stdout: Buffer.from('2\n') }, { exit: { exitCode: 0 } });
  assert.deepEqual(await done, { exitCode: 0 });
  assert.equal(stdin.listenerCount('data'), 0, 'stdin is let go once the command exits');
});

function fakeTerminal(size: TerminalSize | undefined) {
  const calls: string[] = [];
  let resize: ((s: TerminalSize) => void) | undefined;
  const terminal: ExecTerminal = {
    setRaw: (raw) => void calls.push(raw ? 'raw' : 'cooked'),
    size: () => size,
    onResize: (fn) => {
      resize = fn;
      return () => {
        calls.push('unsubscribed');
        resize = undefined;
      };
    },
  };
  return { terminal, calls, resize: (s: TerminalSize) => resize?.(s) };
}

test('-t: raw terminal, initial size and resizes sent, terminal restored at the exit', async () => {
  const stream = new FakeExecStream();
  const t = fakeTerminal({ width: 120, height: 40 });
  const done = runExecSession(stream, { ...sinks(), stdin: new PassThrough(), terminal: t.terminal });
  await new Promise((resolve) => setImmediate(resolve));
  t.resize({ width: 80, height: 24 });
  stream.push({ exit: { exitCode: 0 } });
  await done;
  assert.deepEqual(stream.resizes, [
    { width: 120, height: 40 },
    { width: 80, height: 24 },
  ]);
  assert.deepEqual(t.calls, ['raw', 'unsubscribed', 'cooked']);
});

test('-t: the terminal is restored when the stream fails', async () => {
  const stream = new FakeExecStream();
  const t = fakeTerminal(undefined);
  stream.end(new ApiError('BadRequest', 'unable to upgrade connection: container not found ("web")'));
  await assert.rejects(runExecSession(stream, { ...sinks(), terminal: t.terminal }), /container not found/);
  assert.deepEqual(stream.resizes, [], 'no size to send without a terminal size');
  assert.deepEqual(t.calls, ['raw', 'unsubscribed', 'cooked']);
});

test("the exit: 0 quietly, N as kubectl's `command terminated with exit code N`, a Status as the error", () => {
  assert.deepEqual(execExit({ exitCode: 0 }), { code: 0 });
  assert.deepEqual(execExit({ exitCode: 3 }), { code: 3, message: 'command terminated with exit code 3' });
  assert.deepEqual(execExit({ exitCode: 137 }), { code: 137, message: 'command terminated with exit code 137' });
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400, message: 'container web in pod p is not running' };
  assert.deepEqual(execExit({ exitCode: 1, status }), { code: 1, message: 'error: container web in pod p is not running' });
  assert.equal(execExit({ exitCode: undefined }).code, 1);
});

test('a stream that ends without an exit reports no exit code', async () => {
  const stream = new FakeExecStream();
  stream.push({ stdout: Buffer.from('partial') });
  stream.end();
  assert.deepEqual(await runExecSession(stream, sinks()), { exitCode: undefined });
});
