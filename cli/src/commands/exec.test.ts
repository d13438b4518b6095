import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ApiError, type Pod } from '@skiff/api';
import type { ExecOptions, ExecOutputFrame, ExecStream } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeContext, recordingIo } from '../testing/fake-context.js';
import { runExec, type ExecProcess } from './exec.js';

function pod(name: string, containers: string[], phase: NonNullable<Pod['status']>['phase'] = 'Running', inits: string[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: containers.map((c) => ({ name: c, image: 'img' })), ...(inits.length ? { initContainers: inits.map((c) => ({ name: c, image: 'img' })) } : {}) },
    status: { phase },
  };
}

/** A FakeApi plus `exec`, which records what was asked and answers with the given frames (or error). */
async function setup(pods: Pod[], answer: ExecOutputFrame[] | Error) {
  const fake = new FakeApi();
  for (const p of pods) {
    const created = await fake.create('pods', p);
    await fake.updateStatus('pods', { ...created, status: p.status });
  }
  const execs: { namespace: string; name: string; opts: ExecOptions }[] = [];
  const api = {
    get: fake.get.bind(fake),
    list: fake.list.bind(fake),
    exec: (namespace: string, name: string, opts: ExecOptions): ExecStream => {
      execs.push({ namespace, name, opts });
      return {
        write: () => undefined,
        resize: () => undefined,
        closeStdin: () => undefined,
        cancel: () => undefined,
        async *[Symbol.asyncIterator]() {
          if (answer instanceof Error) throw answer;
          yield* answer;
        },
      };
    },
  };
  return { ctx: new FakeContext(api), execs, fake };
}

function fakeProcess(stdinIsTTY = false) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let released = false;
  const proc: ExecProcess = {
    stdout: (b) => void out.push(b),
    stderr: (b) => void err.push(b),
    stdin: new PassThrough(),
    stdinIsTTY,
    terminal: { setRaw: () => undefined, size: () => undefined, onResize: () => () => undefined },
    releaseStdin: () => void (released = true),
    onTerminate: () => () => undefined,
  };
  return { proc, out, err, released: () => released };
}

test("exec prints the command's output and exits with its code, kubectl's note on stderr", async () => {
  const { ctx, execs } = await setup([pod('web', ['web'])], [{ stdout: Buffer.from('hi\n') }, { exit: { exitCode: 3 } }]);
  const io = recordingIo();
  const p = fakeProcess();
  const code = await runExec(ctx, io, ['web', 'sh', '-c', 'echo hi; exit 3'], 1, {}, p.proc);
  assert.equal(code, 3);
  assert.equal(Buffer.concat(p.out).toString(), 'hi\n');
  assert.equal(io.stderr, 'command terminated with exit code 3\n');
  assert.deepEqual(execs, [{ namespace: 'default', name: 'web', opts: { container: 'web', command: ['sh', '-c', 'echo hi; exit 3'], stdin: false, tty: false } }]);
  assert.equal(p.released(), false, 'stdin is not touched without -i');
});

test('several containers: the first is used, with kubectl\'s "Defaulted container" note', async () => {
  const { ctx, execs } = await setup([pod('web', ['web', 'sidecar'], 'Running', ['setup'])], [{ exit: { exitCode: 0 } }]);
  const io = recordingIo();
  assert.equal(await runExec(ctx, io, ['web', 'true'], 1, {}, fakeProcess().proc), 0);
  assert.equal(io.stderr, 'Defaulted container "web" out of: web, sidecar, setup (init)\n');
  assert.equal(execs[0]?.opts.container, 'web');

  const named = recordingIo();
  await runExec(ctx, named, ['web', 'true'], 1, { container: 'sidecar' }, fakeProcess().proc);
  assert.equal(named.stderr, '');
  assert.equal(execs[1]?.opts.container, 'sidecar');
});

test('deploy/NAME runs in one of the pods its selector picks, the running one first', async () => {
  const fake = await setup([pod('web-a', ['web'], 'Pending'), pod('web-b', ['web'])], [{ exit: { exitCode: 0 } }]);
  await fake.fake.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'img' }] } } },
  });
  assert.equal(await runExec(fake.ctx, recordingIo(), ['deploy/web', 'true'], 1, {}, fakeProcess().proc), 0);
  assert.equal(fake.execs[0]?.name, 'web-b');
});

test('-i passes stdin and lets it go after; -t without a terminal is dropped with kubectl\'s note', async () => {
  const { ctx, execs } = await setup([pod('web', ['web'])], [{ exit: { exitCode: 0 } }]);
  const io = recordingIo();
  const p = fakeProcess(false);
  assert.equal(await runExec(ctx, io, ['web', 'cat'], 1, { stdin: true, tty: true }, p.proc), 0);
  assert.equal(io.stderr, 'Unable to use a TTY - input is not a terminal or the right kind of file\n');
  assert.deepEqual(execs[0]?.opts, { container: 'web', command: ['cat'], stdin: true, tty: false });
  assert.equal(p.released(), true);

  const tty = fakeProcess(true);
  await runExec(ctx, recordingIo(), ['web', 'sh'], 1, { stdin: true, tty: true }, tty.proc);
  assert.equal(execs[1]?.opts.tty, true);
  await runExec(ctx, recordingIo(), ['web', 'sh'], 1, { tty: true }, tty.proc);
  assert.equal(execs[2]?.opts.tty, false, '-t without -i has no terminal, as in kubectl');
});

test('a completed pod is refused before any exec; a refusal from the server reads as `error: ...`', async () => {
  const done = await setup([pod('job', ['main'], 'Succeeded')], [{ exit: { exitCode: 0 } }]);
  await assert.rejects(runExec(done.ctx, recordingIo(), ['job', 'true'], 1, {}, fakeProcess().proc), /^CliError: error: cannot exec into a container in a completed pod; current phase is Succeeded$/);
  assert.equal(done.execs.length, 0);

  const refused = await setup([pod('web', ['web'])], new ApiError('BadRequest', 'unable to upgrade connection: container not found ("nope")'));
  await assert.rejects(runExec(refused.ctx, recordingIo(), ['web', 'true'], 1, { container: 'nope' }, fakeProcess().proc), /^CliError: error: unable to upgrade connection: container not found \("nope"\)$/);
});
