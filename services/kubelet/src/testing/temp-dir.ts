// A fresh temporary directory per test (made before each, removed after each), for tests of code
// that writes files.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'node:test';

/** Call inside a `describe`; `dir()` is the current test's directory. */
export function useTempDir(prefix: string): { dir: () => string } {
  let current = '';
  beforeEach(async () => {
    current = await mkdtemp(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(current, { recursive: true, force: true });
  });
  return { dir: () => current };
}
