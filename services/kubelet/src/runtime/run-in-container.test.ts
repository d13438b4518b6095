import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from './fake-runtime.js';
import { runInContainer } from './run-in-container.js';

async function running(rt: FakeRuntime): Promise<string> {
  await rt.ensureNetwork({ name: 'n', labels: {} });
  const id = await rt.createContainer({ name: 'c', image: 'skiff/busybox:latest', cmd: ['sleep', '9'], labels: {}, networkMode: 'n' });
  await rt.startContainer(id);
  return id;
}

describe('runInContainer', () => {
  it('returns the exit code and stdout and stderr together, cut at the limit', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const id = await running(rt);
    assert.deepEqual(await runInContainer(rt, id, ['sh', '-c', 'echo one; echo two >&2; exit 4'], { clock }), { exitCode: 4, output: 'one\ntwo\n', timedOut: false });
    assert.deepEqual(await runInContainer(rt, id, ['echo', 'abcdefgh'], { clock, maxOutputBytes: 3 }), { exitCode: 0, output: 'abc', timedOut: false });
  });

  it('gives up after the timeout on the clock', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    const id = await running(rt);
    const pending = runInContainer(rt, id, ['sh', '-c', 'echo started; sleep 60'], { clock, timeoutMs: 1_000 });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    clock.advance(999);
    clock.advance(1);
    assert.deepEqual(await pending, { output: 'started\n', timedOut: true });
  });

  it('rejects when the command cannot start', async () => {
    const clock = new FakeClock();
    const rt = new FakeRuntime({ clock });
    await assert.rejects(runInContainer(rt, 'missing', ['true'], { clock }), /No such container/);
  });
});
