// hostPath volumes: the `type` check before the path is bound into a container, after Kubernetes'
// pkg/volume/hostpath/host_path.go (checkType). `DirectoryOrCreate` makes the directory (0755) and
// `FileOrCreate` an empty file (0644, the parent must exist); the others only check. With no type
// nothing is checked, and a missing path is made a directory (as Docker's and containerd's bind
// mounts do).

import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Per type: what the path must be (Kubernetes' words for the message) and how to make it when
 *  missing (the *OrCreate types, and no type at all). */
const CHECKS: Record<string, { is: (st: Stats) => boolean; what: string; create?: (p: string) => Promise<unknown> }> = {
  '': { is: () => true, what: '', create: (p) => mkdir(p, { recursive: true, mode: 0o755 }) },
  DirectoryOrCreate: { is: (st) => st.isDirectory(), what: 'a directory', create: (p) => mkdir(p, { recursive: true, mode: 0o755 }) },
  Directory: { is: (st) => st.isDirectory(), what: 'a directory' },
  FileOrCreate: { is: (st) => st.isFile(), what: 'a file', create: async (p) => (await open(p, 'a', 0o644)).close() },
  File: { is: (st) => st.isFile(), what: 'a file' },
  Socket: { is: (st) => st.isSocket(), what: 'a socket file' },
  CharDevice: { is: (st) => st.isCharacterDevice(), what: 'a character device' },
  BlockDevice: { is: (st) => st.isBlockDevice(), what: 'a block device' },
};

/** Resolves when the path may be mounted (creating it where the type says so); rejects with
 *  Kubernetes' message otherwise (`hostPath type check failed: /x is not a directory`). */
export async function checkHostPathType(p: string, type: string | undefined): Promise<void> {
  const check = CHECKS[type ?? ''];
  if (!check) throw new Error(`${type ?? ''} is an invalid volume type`);
  const st = await statOrUndefined(p);
  if (!st && check.create) {
    await check.create(p);
    return;
  }
  if (!st || !check.is(st)) throw new Error(`hostPath type check failed: ${p} is not ${check.what}`);
}
