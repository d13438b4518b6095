// The kubelets' root directories hold pod volumes, some of them tmpfs mounts (Secrets, emptyDir
// with medium Memory). Once a cluster's containers are gone, `skiff down` unmounts whatever is
// still mounted under them (deepest first) and removes them, so nothing is left on the host.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Mount points at or below `dir`, deepest first, from /proc/self/mounts (octal escapes decoded). */
export function mountsUnder(dir: string, mountsText: string): string[] {
  const root = path.resolve(dir);
  const points = mountsText
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => p !== undefined && p !== '')
    .map((p) => p.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === root || p.startsWith(root + path.sep));
  return [...new Set(points)].sort((a, b) => b.split(path.sep).length - a.split(path.sep).length || b.localeCompare(a));
}

export interface KubeletDirsCleanup {
  unmounted: number;
  removed: boolean;
  error?: string;
}

/** Unmounts everything under `dir`, then removes it. Never throws: the result says what happened. */
export function removeKubeletDirs(dir: string): KubeletDirsCleanup {
  const result: KubeletDirsCleanup = { unmounted: 0, removed: false };
  if (!fs.existsSync(dir)) return result;
  let mounts: string[] = [];
  try {
    mounts = mountsUnder(dir, fs.readFileSync('/proc/self/mounts', 'utf8'));
  } catch {
    // no /proc: nothing we could unmount anyway
  }
  for (const point of mounts) {
    try {
      execFileSync('umount', [point], { stdio: 'ignore' });
      result.unmounted++;
    } catch {
      try {
        execFileSync('umount', ['-l', point], { stdio: 'ignore' });
        result.unmounted++;
      } catch (e) {
        result.error = `could not unmount ${point}: ${e instanceof Error ? e.message : String(e)}`;
        return result;
      }
    }
  }
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    result.removed = true;
  } catch (e) {
    result.error = `could not remove ${dir}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return result;
}
