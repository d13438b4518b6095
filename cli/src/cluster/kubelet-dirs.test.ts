import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder, removeKubeletDirs } from './kubelet-dirs.js';

const MOUNTS = [
  'proc /proc proc rw 0 0',
  'tmpfs /c/kubelet/n1/pods/u1/volumes/kubernetes.io~secret/s tmpfs rw 0 0',
  'tmpfs /c/kubelet/n1/pods/u1/volumes/kubernetes.io~empty-dir/with\\040space tmpfs rw 0 0',
  'tmpfs /c/kubelet/n1 tmpfs rw 0 0',
  'tmpfs /c/kubelet-other/x tmpfs rw 0 0',
].join('\n');

test('mountsUnder lists only mounts under the directory, deepest first, with escapes decoded', () => {
  assert.deepEqual(mountsUnder('/c/kubelet', MOUNTS), [
    '/c/kubelet/n1/pods/u1/volumes/kubernetes.io~secret/s',
    '/c/kubelet/n1/pods/u1/volumes/kubernetes.io~empty-dir/with space',
    '/c/kubelet/n1',
  ]);
  assert.deepEqual(mountsUnder('/elsewhere', MOUNTS), []);
});

test('removeKubeletDirs removes a directory tree with nothing mounted, and tolerates a missing one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubelet-dirs-'));
  fs.mkdirSync(path.join(dir, 'n1', 'pods', 'u1'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'n1', 'pods', 'u1', 'f'), 'x');
  assert.deepEqual(removeKubeletDirs(dir), { unmounted: 0, removed: true });
  assert.equal(fs.existsSync(dir), false);
  assert.deepEqual(removeKubeletDirs(dir), { unmounted: 0, removed: false });
});
