import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeRuntime, interpretCommand } from './fake-runtime.js';
import { finishExec, runtimeContract } from './runtime-contract.js';

runtimeContract('FakeRuntime', async () => {
  const runtime = new FakeRuntime();
  return {
    runtime,
    labels: { 'skiff.io/node': 'fake-contract' },
    prefix: 'fake',
    image: 'skiff/busybox:latest',
    cleanup: async () => {},
  };
});

describe('FakeRuntime hooks', () => {
  it('interprets busybox-style commands', () => {
    assert.deepEqual(interpretCommand(['sh', '-c', 'echo a; echo b c && exit 4']), { output: ['a', 'b c'], exitCode: 4 });
    assert.deepEqual(interpretCommand(['sh', '-c', 'echo up; sleep 10']), { output: ['up'] });
    assert.deepEqual(interpretCommand(['sh', '-c', 'echo a; sleep 0.5; echo b; exit 2']), { output: ['a'], then: { afterMs: 500, program: { output: ['b'], exitCode: 2 } } });
    assert.deepEqual(interpretCommand(['sh']), { exitCode: 0 });
    assert.deepEqual(interpretCommand(['httpd', '-f']), {});
  });

  it('makes a running container exit or be OOM-killed on demand', async () => {
    const rt = new FakeRuntime();
    await rt.ensureNetwork({ name: 'n', labels: {} });
    const mk = async () => {
      const id = await rt.createContainer({ name: `c${Math.random()}`, image: 'skiff/busybox:latest', cmd: ['sleep', '9'], labels: {}, networkMode: 'n' });
      await rt.startContainer(id);
      return id;
    };
    const a = await mk();
    rt.exit(a, 7);
    assert.equal((await rt.inspectContainer(a))?.exitCode, 7);
    const b = await mk();
    rt.oom(b);
    const d = await rt.inspectContainer(b);
    assert.equal(d?.oomKilled, true);
    assert.equal(d?.exitCode, 137);
  });

  it('interprets exec commands, takes scripted ones from onExec, and ends execs when the container stops', async () => {
    const rt = new FakeRuntime();
    await rt.ensureNetwork({ name: 'n', labels: {} });
    const id = await rt.createContainer({ name: 'c', image: 'skiff/busybox:latest', cmd: ['sleep', '9'], labels: {}, networkMode: 'n' });
    await rt.startContainer(id);
    const sh = await rt.exec(id, { cmd: ['sh'], stdin: true });
    sh.write(Buffer.from('read name; echo "hi $name" && false || echo fallback\nPaul\n'));
    sh.closeStdin();
    assert.deepEqual(await finishExec(sh), { stdout: 'hi Paul\nfallback\n', stderr: '', exitCode: 0 });
    rt.onExec = (_id, cmd) => (cmd[0] === 'probe' ? async (_argv, io) => (io.out('scripted\n'), 7) : undefined);
    assert.deepEqual(await finishExec(await rt.exec(id, { cmd: ['probe'] })), { stdout: 'scripted\n', stderr: '', exitCode: 7 });
    const sleeping = await rt.exec(id, { cmd: ['sleep', '60'] });
    const done = finishExec(sleeping);
    await rt.stopContainer(id, 1);
    assert.equal((await done).exitCode, 137);
    assert.deepEqual(rt.execs.map((e) => e.cmd[0]), ['sh', 'probe', 'sleep']);
  });

  it('fails every call while down', async () => {
    const rt = new FakeRuntime();
    rt.setDown(new Error('Cannot connect to the Docker daemon'));
    await assert.rejects(rt.version(), /Cannot connect/);
    rt.setDown(undefined);
    assert.equal((await rt.version()).name, 'docker');
  });
});
