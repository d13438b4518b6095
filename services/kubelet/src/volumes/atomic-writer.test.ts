import assert from 'node:assert/strict';
import { lstat, open, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { useTempDir } from '../testing/temp-dir.js';
import { AtomicWriter, invalidPath, type FileProjection } from './atomic-writer.js';

const file = (text: string, mode = 0o644): FileProjection => ({ data: Buffer.from(text), mode });
const payload = (entries: Record<string, string | FileProjection>): Map<string, FileProjection> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? file(v) : v]));

describe('AtomicWriter', () => {
  const tmp = useTempDir('skiff-atomic-');
  let dir = '';
  beforeEach(() => {
    dir = tmp.dir();
  });

  it('projects files behind ..data into a timestamped directory, visible through relative links', async () => {
    const w = new AtomicWriter(dir, () => new Date('2026-01-02T15:04:05Z'));
    assert.equal(await w.write(payload({ a: 'A', 'conf/b.yaml': 'B', x: file('X', 0o600) })), true);
    const ts = await readlink(path.join(dir, '..data'));
    assert.match(ts, /^\.\.2026_01_02_15_04_05\.\w+$/);
    assert.equal(await readlink(path.join(dir, 'a')), '..data/a');
    assert.equal(await readlink(path.join(dir, 'conf')), '..data/conf');
    assert.equal(await readFile(path.join(dir, 'a'), 'utf8'), 'A');
    assert.equal(await readFile(path.join(dir, 'conf', 'b.yaml'), 'utf8'), 'B');
    assert.equal((await stat(path.join(dir, 'x'))).mode & 0o777, 0o600);
    assert.equal((await stat(path.join(dir, 'a'))).mode & 0o777, 0o644);
    assert.equal((await stat(path.join(dir, ts))).mode & 0o777, 0o755);
  });

  it('replaces the whole set on update: changed, added and removed files, one old version left behind: none', async () => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: 'A1', b: 'B1', 'd/c': 'C1' }));
    const first = await readlink(path.join(dir, '..data'));
    assert.equal(await w.write(payload({ a: 'A2', n: 'N2' })), true);
    const second = await readlink(path.join(dir, '..data'));
    assert.notEqual(second, first);
    const visible = (await readdir(dir)).filter((n) => !n.startsWith('..')).sort();
    assert.deepEqual(visible, ['a', 'n']);
    assert.equal(await readFile(path.join(dir, 'a'), 'utf8'), 'A2');
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('..')).sort(),
      ['..data', second].sort(),
      'the previous version directory is removed',
    );
    const now = await w.read();
    assert.deepEqual([...now.keys()].sort(), ['a', 'n']);
  });

  it('writes nothing when content and modes are unchanged, and rewrites on a mode change', async () => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: 'A' }));
    const first = await readlink(path.join(dir, '..data'));
    assert.equal(await w.write(payload({ a: 'A' })), false);
    assert.equal(await readlink(path.join(dir, '..data')), first);
    assert.equal(await w.write(payload({ a: file('A', 0o400) })), true);
    assert.notEqual(await readlink(path.join(dir, '..data')), first);
    assert.equal((await stat(path.join(dir, 'a'))).mode & 0o777, 0o400);
  });

  it('puts back a user-visible link that was removed', async () => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: 'A' }));
    await rm(path.join(dir, 'a'));
    assert.equal(await w.write(payload({ a: 'A' })), true);
    assert.equal(await readFile(path.join(dir, 'a'), 'utf8'), 'A');
  });

  it('refuses absolute, .. and reserved paths before touching anything', async () => {
    const w = new AtomicWriter(dir);
    for (const bad of ['/etc/passwd', '../x', 'a/../../x', '..data', '..foo/x', '']) {
      assert.ok(invalidPath(bad), bad);
      await assert.rejects(w.write(payload({ ok: 'fine', [bad]: 'x' })), /invalid path/);
    }
    assert.deepEqual(await readdir(dir), []);
    assert.equal(invalidPath('a/b..c'), undefined);
    assert.equal(invalidPath('..'), "invalid path: must not contain '..': ..");
  });

  it('keeps an opened (or bind-mounted) file of the old version intact: a subPath is a snapshot', async () => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ 'app.conf': 'version=1' }));
    // What a subPath mount binds: the real file behind the link, at the time of the mount.
    const real = path.join(dir, await readlink(path.join(dir, '..data')), 'app.conf');
    const held = await open(real, 'r');
    try {
      await w.write(payload({ 'app.conf': 'version=2' }));
      assert.equal(await readFile(path.join(dir, 'app.conf'), 'utf8'), 'version=2');
      assert.equal((await held.readFile()).toString(), 'version=1');
      await assert.rejects(lstat(real), { code: 'ENOENT' });
    } finally {
      await held.close();
    }
  });

  it('never lets a concurrent reader see a mix of two versions or a missing file', async () => {
    const w = new AtomicWriter(dir);
    await w.write(payload({ a: 'v0', b: 'v0', c: 'v0' }));
    const stopBuffer = new SharedArrayBuffer(4);
    // A reader on another thread, in a tight synchronous loop: resolves ..data once, reads every
    // file of that version (retrying when the version was removed under it), and reads the
    // user-visible files, which must always be there.
    const reader = new Worker(
      `
      const { workerData, parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const path = require('node:path');
      const stop = new Int32Array(workerData.stop);
      let consistent = 0, mixed = 0, missing = 0, retried = 0;
      while (Atomics.load(stop, 0) === 0) {
        let ts;
        try { ts = fs.readlinkSync(path.join(workerData.dir, '..data')); } catch { missing++; continue; }
        try {
          const seen = ['a', 'b', 'c'].map((f) => fs.readFileSync(path.join(workerData.dir, ts, f), 'utf8'));
          if (seen.every((v) => v === seen[0])) consistent++; else mixed++;
        } catch (e) { if (e.code === 'ENOENT') retried++; else throw e; }
        for (const f of ['a', 'b', 'c']) {
          // A lookup that resolved ..data to the version being removed fails (as in Kubernetes);
          // read again, the file is there.
          const read = () => fs.readFileSync(path.join(workerData.dir, f));
          try { read(); } catch (e) {
            if (e.code !== 'ENOENT') throw e;
            retried++;
            try { read(); } catch (e2) { if (e2.code === 'ENOENT') missing++; else throw e2; }
          }
        }
      }
      parentPort.postMessage({ consistent, mixed, missing, retried });
      `,
      { eval: true, workerData: { dir, stop: stopBuffer } },
    );
    const result = new Promise<{ consistent: number; mixed: number; missing: number; retried: number }>((resolve, reject) => {
      reader.once('message', resolve);
      reader.once('error', reject);
    });
    await new Promise<void>((resolve) => reader.once('online', () => resolve()));
    for (let v = 1; v <= 150; v++) await w.write(payload({ a: `v${v}`, b: `v${v}`, c: `v${v}` }));
    Atomics.store(new Int32Array(stopBuffer), 0, 1);
    const r = await result;
    assert.equal(r.mixed, 0, 'a version directory never holds two versions');
    assert.equal(r.missing, 0, 'the files and ..data always exist');
    assert.ok(r.consistent > 0, 'the reader read something');
    assert.equal(await readFile(path.join(dir, 'a'), 'utf8'), 'v150');
  });
});
