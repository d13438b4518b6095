// The suites' manifests under e2e/fixtures/, applied with `skiff apply -f` as a user applies them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from './harness.js';
import { showRun } from './run-cli.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The path of e2e/fixtures/<parts...>. */
export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES_DIR, ...parts);
}

/** `skiff apply -f FILE` that must succeed: returns its stdout (`pod/x created` ...). */
export async function applyFile(cluster: Cluster, file: string): Promise<string> {
  const r = await cluster.skiff('apply', '-f', file);
  if (r.code !== 0) throw new Error(`expected success:\n${showRun(r)}`);
  return r.stdout;
}
