import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isAlive, parseProcStat, spawnDetached, tailLines, terminate } from './processes.js';

test('/proc/<pid>/stat: state and start time, whatever the command name holds', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = 'S';
  fields[19] = '123456';
  assert.deepEqual(parseProcStat(`42 (node (x) y) ${fields.join(' ')}\n`), { state: 'S', startTime: '123456' });
  assert.equal(parseProcStat('garbage'), undefined);
});

test('a pid reused by another process is not ours', () => {
  assert.equal(isAlive({ pid: process.pid }), true);
  assert.equal(isAlive({ pid: process.pid, pidStartTime: '1' }), false);
  assert.equal(isAlive({ pid: -1 }), false);
});

test('a detached process logs to its file; SIGTERM stops it, SIGKILL stops one that ignores it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-proc-'));
  try {
    const polite = await spawnDetached(process.execPath, ['-e', 'console.log("hello"); setInterval(() => {}, 1000)'], {
      logFile: path.join(dir, 'polite.log'),
      cwd: dir,
    });
    const stubborn = await spawnDetached(
      process.execPath,
      ['-e', 'process.on("SIGTERM", () => console.log("ignored")); console.log("ready"); setInterval(() => {}, 1000)'],
      { logFile: path.join(dir, 'stubborn.log'), cwd: dir },
    );
    assert.ok(isAlive(polite) && isAlive(stubborn));
    // Wait until both have installed their handlers (they print once they have).
    for (let i = 0; i < 200 && !(tailLines(path.join(dir, 'stubborn.log'), 1)[0] === 'ready' && tailLines(path.join(dir, 'polite.log'), 1)[0] === 'hello'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const result = await terminate([polite, stubborn], 300);
    assert.deepEqual(result.terminated, [polite.pid, stubborn.pid]);
    assert.deepEqual(result.killed, [stubborn.pid]);
    assert.equal(isAlive(polite), false);
    assert.equal(isAlive(stubborn), false);
    // The children are unref'd (they outlive their parent): keep the loop alive to see them exit.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      assert.equal(await polite.exited, 'signal SIGTERM');
      assert.equal(await stubborn.exited, 'signal SIGKILL');
    } finally {
      clearInterval(keepAlive);
    }
    assert.deepEqual(tailLines(path.join(dir, 'polite.log'), 5), ['hello']);
    assert.deepEqual(await terminate([polite], 100), { terminated: [], killed: [] }, 'a dead pid is left alone');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a command that does not exist is an error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-proc-'));
  try {
    await assert.rejects(spawnDetached(path.join(dir, 'nope'), [], { logFile: path.join(dir, 'x.log'), cwd: dir }), /ENOENT/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('tailLines: the last n lines, [] for a missing file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tail-'));
  try {
    const file = path.join(dir, 'x.log');
    fs.writeFileSync(file, Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.deepEqual(tailLines(file, 2), ['line 28', 'line 29']);
    assert.deepEqual(tailLines(path.join(dir, 'missing.log'), 2), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
