// The behaviour every ContainerRuntime must have, as one suite: the fake runs it in milliseconds
// (fake-runtime.test.ts), Docker against the real engine (docker-runtime.integration.test.ts).
// Everything a test creates carries the harness's labels (a unique `skiff.io/node`), so cleanup
// removes exactly what the suite made.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RuntimeConflictError, RuntimeNotFoundError, RuntimeNotRunningError, type ContainerRuntime, type ContainerSpec, type ExecSession, type RuntimeEvent } from './runtime.js';

export interface RuntimeHarness {
  runtime: ContainerRuntime;
  /** Labels that mark everything this run creates (unique per run). */
  labels: Record<string, string>;
  /** A unique prefix for container and network names. */
  prefix: string;
  /** A busybox image present locally. */
  image: string;
  /** Removes whatever carries `labels`. */
  cleanup(): Promise<void>;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function collect(it: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of it) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
}

function readAll(r: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    r.on('data', (b: Buffer) => (text += b.toString('utf8')));
    r.on('end', () => resolve(text));
    r.on('error', reject);
  });
}

/** Reads an exec to its end. */
export async function finishExec(s: ExecSession): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const [stdout, stderr, exitCode] = await Promise.all([readAll(s.stdout), readAll(s.stderr), s.exitCode]);
  return { stdout, stderr, exitCode };
}

export function runtimeContract(name: string, makeHarness: () => Promise<RuntimeHarness>): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    let h: RuntimeHarness;
    let rt: ContainerRuntime;
    let network: string;
    let seq = 0;

    const spec = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
      name: `${h.prefix}-c${seq++}`,
      image: h.image,
      labels: { ...h.labels },
      networkMode: network,
      init: true,
      ...over,
    });
    const run = async (over: Partial<ContainerSpec> = {}): Promise<string> => {
      const id = await rt.createContainer(spec(over));
      await rt.startContainer(id);
      return id;
    };
    const exited = (id: string) =>
      until(`container ${id} to exit`, async () => {
        const d = await rt.inspectContainer(id);
        return d && d.state === 'exited' ? d : undefined;
      });

    before(async () => {
      h = await makeHarness();
      rt = h.runtime;
      network = `${h.prefix}-net`;
      await rt.ensureNetwork({ name: network, labels: { ...h.labels } });
    });
    after(async () => {
      await h.cleanup();
    });

    it('reports its version', async () => {
      const v = await rt.version();
      assert.equal(v.name, 'docker');
      assert.match(v.version, /^\d+\.\d+/);
    });

    it('knows which images are present, without pulling', async () => {
      assert.match((await rt.imageId(h.image)) ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.equal(await rt.imageId('skiff/never-built-here:v0'), undefined);
    });

    it('creates a network once and finds it by label', async () => {
      const again = await rt.ensureNetwork({ name: network, labels: { ...h.labels } });
      const listed = await rt.listNetworks(h.labels);
      assert.deepEqual(
        listed.filter((n) => n.name === network).map((n) => n.id),
        [again.id],
      );
      assert.equal(again.labels['skiff.io/node'], h.labels['skiff.io/node']);
    });

    it('removes a network, and removing a missing one is not an error', async () => {
      const extra = `${h.prefix}-net2`;
      await rt.ensureNetwork({ name: extra, labels: { ...h.labels }, subnet: '10.253.77.0/24' });
      const listed = await rt.listNetworks(h.labels);
      assert.equal(listed.find((n) => n.name === extra)?.subnet, '10.253.77.0/24');
      await rt.removeNetwork(extra);
      await rt.removeNetwork(extra);
      assert.equal((await rt.listNetworks(h.labels)).some((n) => n.name === extra), false);
    });

    it('makes a network with a gateway and driver options, counts its containers, and keeps it while one runs', async () => {
      const extra = `${h.prefix}-net3`;
      const masquerade = 'com.docker.network.bridge.enable_ip_masquerade';
      const made = await rt.ensureNetwork({ name: extra, labels: { ...h.labels }, subnet: '10.253.78.0/24', gateway: '10.253.78.1', options: { [masquerade]: 'false' } });
      assert.equal(made.subnet, '10.253.78.0/24');
      assert.equal(made.gateway, '10.253.78.1');
      assert.equal(made.options?.[masquerade], 'false');
      assert.equal(made.containers, 0);
      const id = await run({ networkMode: extra, cmd: ['sleep', '3600'] });
      assert.match((await rt.inspectContainer(id))?.ipAddress ?? '', /^10\.253\.78\.\d+$/);
      assert.equal((await rt.ensureNetwork({ name: extra, labels: { ...h.labels } })).containers, 1);
      await assert.rejects(rt.removeNetwork(extra), /active endpoints/);
      await rt.removeContainer(id, { force: true });
      await rt.removeNetwork(extra);
      assert.equal((await rt.listNetworks(h.labels)).some((n) => n.name === extra), false);
    });

    it('runs a container that owns its network namespace and reports its state and address', async () => {
      const id = await run({ cmd: ['sleep', '3600'], hostname: 'pod-a', labels: { ...h.labels, 'skiff.io/role': 'infra' } });
      const d = await rt.inspectContainer(id);
      assert.ok(d);
      assert.equal(d.id, id);
      assert.equal(d.state, 'running');
      assert.match(d.ipAddress ?? '', /^\d+\.\d+\.\d+\.\d+$/);
      assert.ok(d.startedAt && !Number.isNaN(Date.parse(d.startedAt)));
      assert.equal(d.finishedAt, undefined);
      assert.equal(d.labels['skiff.io/role'], 'infra');
      assert.match(d.imageID, /^sha256:/);
    });

    it('joins a container to another one\'s network namespace', async () => {
      const infra = await run({ cmd: ['sleep', '3600'] });
      const app = await run({ networkMode: `container:${infra}`, cmd: ['sleep', '3600'] });
      const d = await rt.inspectContainer(app);
      assert.equal(d?.state, 'running');
      assert.equal(d?.ipAddress, undefined, 'a joined container has no address of its own');
    });

    it('lists containers by label, running or not', async () => {
      const mark = { ...h.labels, 'skiff.io/pod-uid': `uid-${seq}` };
      const a = await run({ cmd: ['sleep', '3600'], labels: mark });
      const b = await rt.createContainer(spec({ labels: mark }));
      const listed = await rt.listContainers(mark);
      assert.deepEqual(listed.map((c) => c.id).sort(), [a, b].sort());
      const byId = new Map(listed.map((c) => [c.id, c]));
      assert.equal(byId.get(a)?.state, 'running');
      assert.equal(byId.get(b)?.state, 'created');
      assert.equal(byId.get(a)?.labels['skiff.io/pod-uid'], mark['skiff.io/pod-uid']);
      assert.ok((byId.get(a)?.createdAt ?? 0) > Date.parse('2020-01-01'));
      assert.deepEqual(await rt.listContainers({ ...h.labels, 'skiff.io/pod-uid': 'nobody' }), []);
    });

    it('reports the exit code, finish time and output of a container that exits', async () => {
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['echo hello; echo world; exit 3'] });
      const d = await exited(id);
      assert.equal(d.exitCode, 3);
      assert.equal(d.oomKilled, false);
      assert.ok(d.finishedAt && Date.parse(d.finishedAt) >= Date.parse(d.startedAt ?? ''));
      assert.equal(await collect(rt.logs(id)), 'hello\nworld\n');
      assert.equal(await collect(rt.logs(id, { tail: 1 })), 'world\n');
      const stamped = (await collect(rt.logs(id, { timestamps: true }))).trimEnd().split('\n');
      assert.equal(stamped.length, 2);
      assert.match(stamped[0] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z hello$/);
    });

    it('keeps only the lines written since `since`', async () => {
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['echo first; sleep 0.1; echo second; exit 0'] });
      await exited(id);
      const stamped = (await collect(rt.logs(id, { timestamps: true }))).trimEnd().split('\n');
      assert.deepEqual(stamped.map((l) => l.slice(l.indexOf(' ') + 1)), ['first', 'second']);
      const [t1, t2] = stamped.map((l) => Date.parse(l.slice(0, l.indexOf(' '))));
      assert.ok(t1 !== undefined && t2 !== undefined && t2 > t1, `the second line comes later: ${stamped.join(' | ')}`);
      const between = (t1 + t2) / 2;
      assert.equal(await collect(rt.logs(id, { since: between })), 'second\n');
      assert.equal(await collect(rt.logs(id, { since: t1 - 1_000 })), 'first\nsecond\n');
      assert.equal(await collect(rt.logs(id, { since: t2 + 1_000 })), '');
      assert.equal(await collect(rt.logs(id, { since: between, tail: 2 })), 'second\n');
    });

    it('passes env and working directory', async () => {
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['echo $GREETING; exit 0'], env: ['GREETING=hi'], workingDir: '/tmp' });
      const d = await exited(id);
      assert.equal(d.exitCode, 0);
    });

    it('stops a container with SIGTERM (exit 143 with an init process), and stopping twice is fine', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      await rt.stopContainer(id, 10);
      const d = await rt.inspectContainer(id);
      assert.equal(d?.state, 'exited');
      assert.equal(d?.exitCode, 143);
      await rt.stopContainer(id, 10);
    });

    it('kills a container (exit 137)', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      await rt.killContainer(id);
      const d = await exited(id);
      assert.equal(d.exitCode, 137);
    });

    it('restarts a stopped container in place', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      await rt.stopContainer(id, 10);
      await rt.startContainer(id);
      assert.equal((await rt.inspectContainer(id))?.state, 'running');
    });

    it('reports start and die (with the exit code) as events filtered by label', async () => {
      const mark = { ...h.labels, 'skiff.io/pod-uid': `events-${seq}` };
      const ac = new AbortController();
      const seen: RuntimeEvent[] = [];
      const stream = rt.events(mark, ac.signal);
      const reading = (async () => {
        for await (const ev of stream) {
          seen.push(ev);
          if (ev.type === 'die') ac.abort();
        }
      })();
      // Containers without the mark must not show up.
      await new Promise((r) => setTimeout(r, 100));
      const other = await run({ entrypoint: ['sh', '-c'], cmd: ['exit 1'] });
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['exit 2'], labels: mark });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([reading, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('no die event')), 15_000)))]);
      } finally {
        clearTimeout(timer);
      }
      assert.deepEqual(
        seen.map((e) => [e.type, e.id]),
        [
          ['start', id],
          ['die', id],
        ],
      );
      assert.equal(seen[1]?.exitCode, 2);
      assert.equal(seen[1]?.labels['skiff.io/pod-uid'], mark['skiff.io/pod-uid']);
      assert.notEqual(other, id);
    });

    it('follows logs until the container stops', async () => {
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['echo first; sleep 3600'] });
      const ac = new AbortController();
      const chunks: string[] = [];
      const reading = (async () => {
        for await (const b of rt.logs(id, { follow: true, signal: ac.signal })) chunks.push(b.toString());
      })();
      await until('the first line', async () => (chunks.join('').includes('first') ? true : undefined));
      await rt.stopContainer(id, 10);
      await reading;
      assert.equal(chunks.join(''), 'first\n');
    });

    it('stops following logs when the caller aborts', async () => {
      const id = await run({ entrypoint: ['sh', '-c'], cmd: ['echo only; sleep 3600'] });
      const ac = new AbortController();
      const chunks: string[] = [];
      const reading = (async () => {
        for await (const b of rt.logs(id, { follow: true, signal: ac.signal })) chunks.push(b.toString());
      })();
      await until('the line', async () => (chunks.join('').includes('only') ? true : undefined));
      ac.abort();
      await reading;
      assert.equal((await rt.inspectContainer(id))?.state, 'running');
    });

    it('refuses a missing image and a taken name with typed errors', async () => {
      await assert.rejects(rt.createContainer(spec({ image: 'skiff/never-built-here:v0' })), RuntimeNotFoundError);
      const s = spec();
      await rt.createContainer(s);
      await assert.rejects(rt.createContainer({ ...s }), RuntimeConflictError);
    });

    it('runs a command in a running container, with stdout, stderr and the exit code apart', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      const r = await finishExec(await rt.exec(id, { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }));
      assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
    });

    it('feeds an exec its stdin until the caller closes it', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      const s = await rt.exec(id, { cmd: ['cat'], stdin: true });
      s.write(Buffer.from('hello\n'));
      s.write(Buffer.from('world\n'));
      s.closeStdin();
      assert.deepEqual(await finishExec(s), { stdout: 'hello\nworld\n', stderr: '', exitCode: 0 });
    });

    it('gives an exec a terminal: one output stream, and the size resize sets', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      const s = await rt.exec(id, { cmd: ['sh', '-c', 'read x; stty size; echo got $x >&2'], stdin: true, tty: true });
      await s.resize({ width: 100, height: 30 });
      s.write(Buffer.from('go\n'));
      const r = await finishExec(s);
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, /30 100\r\n/);
      assert.match(r.stdout, /got go\r\n/);
      assert.equal(r.stderr, '');
    });

    it('reports a missing executable as exit code 126 with the engine\'s message', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      const r = await finishExec(await rt.exec(id, { cmd: ['no-such-command'] }));
      assert.equal(r.exitCode, 126);
      assert.match(r.stdout, /"no-such-command": executable file not found in \$PATH/);
      const sh = await finishExec(await rt.exec(id, { cmd: ['sh', '-c', 'no-such-command'] }));
      assert.equal(sh.exitCode, 127);
      assert.match(sh.stderr, /no-such-command: not found/);
    });

    it('refuses an exec in a stopped container and in a missing one, with typed errors', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      await rt.stopContainer(id, 10);
      await assert.rejects(rt.exec(id, { cmd: ['true'] }), RuntimeNotRunningError);
      await rt.removeContainer(id);
      await assert.rejects(rt.exec(id, { cmd: ['true'] }), RuntimeNotFoundError);
    });

    it('removes containers: a running one only with force, a missing one is not an error', async () => {
      const id = await run({ cmd: ['sleep', '3600'] });
      await assert.rejects(rt.removeContainer(id));
      await rt.removeContainer(id, { force: true });
      assert.equal(await rt.inspectContainer(id), undefined);
      await rt.removeContainer(id);
      await assert.rejects(rt.startContainer(id), RuntimeNotFoundError);
    });
  });
}
