// Projects a set of files into a directory so that readers see either the old set or the new one,
// never a mix, after Kubernetes' pkg/volume/util/atomic_writer.go. The layout:
//
//   <dir>/..2026_01_02_15_04_05.Ab3xYz/<files>   the real files (a new directory per version)
//   <dir>/..data -> ..2026_01_02_15_04_05.Ab3xYz  swapped with rename(2), which is atomic
//   <dir>/<top> -> ..data/<top>                    what users see, for each top-level path
//
// A write: validate the paths; compare with the current version (content and mode) and stop when
// nothing changed; write the new version into a fresh timestamped directory; point `..data_tmp` at
// it and rename it over `..data`; add the user-visible links of new paths and remove those of
// paths that went away; delete the old version. Paths starting with `..` are reserved.
// Not safe for two writers at once on one directory: the caller serializes (one pod worker).

import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rename, rm, symlink, unlink, chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative paths (`a`, `dir/b`) to their content. */
export type Payload = ReadonlyMap<string, FileProjection>;

export const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
const MAX_FILE_NAME = 255;
const MAX_PATH = 4096;

/** Why a path cannot be projected, or undefined when it can. */
export function invalidPath(p: string): string | undefined {
  if (p === '') return `invalid path: must not be empty: ""`;
  if (path.posix.isAbsolute(p)) return `invalid path: must be relative path: ${p}`;
  if (p.length > MAX_PATH) return `invalid path: must be less than or equal to ${MAX_PATH} characters`;
  const items = p.split('/');
  for (const item of items) {
    if (item === '..') return `invalid path: must not contain '..': ${p}`;
    if (item.length > MAX_FILE_NAME) return `invalid path: filenames must be less than or equal to ${MAX_FILE_NAME} characters`;
  }
  if ((items[0] ?? '').startsWith('..') && (items[0] ?? '').length > 2) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

/** `..2026_01_02_15_04_05.` (UTC), the prefix of a version's directory. */
function timestampPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

export class AtomicWriter {
  constructor(
    readonly targetDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes the directory hold exactly `payload`. Resolves to true when it wrote, false when it
   *  already did. Rejects on invalid paths (before touching anything) and on I/O errors. */
  async write(payload: Payload): Promise<boolean> {
    const clean = new Map<string, FileProjection>();
    for (const [p, file] of payload) {
      const problem = invalidPath(p);
      if (problem) throw new Error(problem);
      clean.set(path.posix.normalize(p).replace(/\/+$/, ''), file);
    }

    const dataLink = path.join(this.targetDir, DATA_DIR);
    let oldTs = '';
    try {
      oldTs = await readlink(dataLink);
    } catch (e) {
      if (!isErrno(e, 'ENOENT')) throw e;
    }
    const oldTsPath = oldTs ? path.join(this.targetDir, oldTs) : '';
    let toRemove: string[] = [];
    if (oldTs) {
      toRemove = await this.pathsToRemove(clean, oldTsPath);
      if (!(await this.differs(clean, oldTsPath)) && toRemove.length === 0 && (await this.visibleLinksPresent(clean))) return false;
    }

    const tsDir = await mkdtemp(path.join(this.targetDir, timestampPrefix(this.now())));
    await chmod(tsDir, 0o755);
    const tsName = path.basename(tsDir);
    try {
      for (const [p, file] of clean) {
        const full = path.join(tsDir, p);
        await mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
        await writeFile(full, file.data, { mode: file.mode });
        // writeFile's mode is filtered by the umask; the projection's mode is what counts.
        await chmod(full, file.mode);
      }
      const newLink = path.join(this.targetDir, NEW_DATA_DIR);
      await rm(newLink, { force: true });
      await symlink(tsName, newLink);
      await rename(newLink, dataLink);
    } catch (e) {
      await rm(tsDir, { recursive: true, force: true });
      throw e;
    }

    await this.createVisibleLinks(clean);
    for (const p of toRemove) {
      // Only the top level holds links; deeper paths went with the old version's directory.
      if (p.includes('/')) continue;
      await rm(path.join(this.targetDir, p), { force: true });
    }
    if (oldTsPath && oldTs !== tsName) await rm(oldTsPath, { recursive: true, force: true });
    return true;
  }

  /** The content as users see it now (through `..data`), for tests and comparisons. */
  async read(): Promise<Map<string, FileProjection>> {
    const out = new Map<string, FileProjection>();
    let ts: string;
    try {
      ts = await readlink(path.join(this.targetDir, DATA_DIR));
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return out;
      throw e;
    }
    const root = path.join(this.targetDir, ts);
    for (const rel of await walk(root)) {
      const full = path.join(root, rel);
      const st = await lstat(full);
      if (st.isFile()) out.set(rel, { data: await readFile(full), mode: st.mode & 0o7777 });
    }
    return out;
  }

  /** True when any file is missing or has other content or another mode. */
  private async differs(payload: Payload, oldTsPath: string): Promise<boolean> {
    for (const [p, file] of payload) {
      const full = path.join(oldTsPath, p);
      try {
        const st = await lstat(full);
        if (!st.isFile() || (st.mode & 0o7777) !== file.mode) return true;
        if (!(await readFile(full)).equals(file.data)) return true;
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return true;
        throw e;
      }
    }
    return false;
  }

  /** Paths of the current version that the payload no longer has (parents of new paths stay). */
  private async pathsToRemove(payload: Payload, oldTsPath: string): Promise<string[]> {
    let existing: string[];
    try {
      existing = await walk(oldTsPath);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const keep = new Set<string>();
    for (const p of payload.keys()) {
      for (let sub = p; sub !== '' && sub !== '.'; sub = path.posix.dirname(sub)) keep.add(sub);
    }
    return existing.filter((p) => !keep.has(p));
  }

  private async visibleLinksPresent(payload: Payload): Promise<boolean> {
    for (const top of topLevel(payload)) {
      try {
        await lstat(path.join(this.targetDir, top));
      } catch (e) {
        if (isErrno(e, 'ENOENT')) return false;
        throw e;
      }
    }
    return true;
  }

  /** `<top> -> ..data/<top>` for each top-level path that has no link yet. */
  private async createVisibleLinks(payload: Payload): Promise<void> {
    for (const top of topLevel(payload)) {
      const link = path.join(this.targetDir, top);
      try {
        await readlink(link);
        continue;
      } catch (e) {
        if (isErrno(e, 'EINVAL')) await unlink(link); // a plain file in the way
        else if (!isErrno(e, 'ENOENT')) throw e;
      }
      await symlink(path.posix.join(DATA_DIR, top), link);
    }
  }
}

function topLevel(payload: Payload): Set<string> {
  return new Set([...payload.keys()].map((p) => p.split('/')[0] ?? p));
}

/** Every path under `root` (files and directories), relative, parents before children. */
async function walk(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await walk(root, rel)));
  }
  return out;
}
