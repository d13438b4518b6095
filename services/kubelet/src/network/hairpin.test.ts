import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { bridgeOf, enableHairpin } from './hairpin.js';

test('the bridge of a Docker network: br-<12 of the id>, or the name its options give', () => {
  assert.equal(bridgeOf({ id: '3fabda2566061234567890' }), 'br-3fabda256606');
  assert.equal(bridgeOf({ id: 'x', options: { 'com.docker.network.bridge.name': 'skiff0' } }), 'skiff0');
});

test('enableHairpin turns hairpin mode on for the ports that have it off, and only those', async () => {
  const sysfs = await mkdtemp(path.join(os.tmpdir(), 'hairpin-'));
  try {
    for (const [port, mode] of [['veth1', '0'], ['veth2', '1'], ['veth3', '0']] as const) {
      await mkdir(path.join(sysfs, 'br-x', 'brif', port), { recursive: true });
      await writeFile(path.join(sysfs, 'br-x', 'brif', port, 'hairpin_mode'), `${mode}\n`);
    }
    assert.equal(await enableHairpin('br-x', sysfs), 2);
    for (const port of ['veth1', 'veth2', 'veth3']) assert.equal((await readFile(path.join(sysfs, 'br-x', 'brif', port, 'hairpin_mode'), 'utf8')).trim(), '1');
    assert.equal(await enableHairpin('br-x', sysfs), 0);
    await assert.rejects(enableHairpin('br-missing', sysfs), /ENOENT/);
  } finally {
    await rm(sysfs, { recursive: true, force: true });
  }
});
