// Host mounts the kubelet makes itself: tmpfs for `emptyDir.medium: Memory` (and for secret
// volumes, so secrets stay off the disk, as Kubernetes does). Docker's per-container `Tmpfs` would
// give each container its own filesystem; a tmpfs on the pod's volume directory, bound into every
// container, is shared. Mounting needs root (CAP_SYS_ADMIN); `LinuxMounter` shells out to
// mount(8)/umount(8). Tests use a fake.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Mounter {
  /** Mounts a tmpfs on an existing directory (size in bytes; mode of its root). */
  mountTmpfs(dir: string, opts: { sizeBytes?: number; mode: number }): Promise<void>;
  /** Mount points at or below `dir`, deepest first. */
  mountsUnder(dir: string): Promise<string[]>;
  unmount(dir: string): Promise<void>;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export class LinuxMounter implements Mounter {
  async mountTmpfs(dir: string, opts: { sizeBytes?: number; mode: number }): Promise<void> {
    const options = [`mode=${opts.mode.toString(8).padStart(4, '0')}`, ...(opts.sizeBytes !== undefined && opts.sizeBytes > 0 ? [`size=${opts.sizeBytes}`] : [])];
    try {
      await run('mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', dir]);
    } catch (e) {
      const err = e as { stderr?: string; message?: string };
      throw new Error(`mount -t tmpfs on ${dir}: ${(err.stderr ?? err.message ?? String(e)).trim()}`);
    }
  }

  async mountsUnder(dir: string): Promise<string[]> {
    let text: string;
    try {
      text = await readFile('/proc/mounts', 'utf8');
    } catch {
      return [];
    }
    const base = dir.replace(/\/+$/, '');
    const points = text
      .split('\n')
      .map((line) => unescapeMountPath(line.split(' ')[1] ?? ''))
      .filter((p) => p === base || p.startsWith(`${base}/`));
    return [...new Set(points)].sort((a, b) => b.length - a.length);
  }

  async unmount(dir: string): Promise<void> {
    try {
      await run('umount', [dir]);
    } catch {
      // Busy (a process still has it open): detach it now, the kernel frees it when released.
      await run('umount', ['-l', dir]);
    }
  }
}
