// The suites' manifests under e2e/fixtures/, applied with `skiff apply -f` as a user applies them.

import fs from 'node:fs';
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

/** The fixture's text with every `${NAME}` replaced from `vars`; throws when one is left unfilled. */
export function fillTemplate(text: string, vars: Record<string, string>): string {
  const out = text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);
  const left = /\$\{[A-Z_][A-Z0-9_]*\}/.exec(out.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n'));
  if (left) throw new Error(`fixture variable ${left[0]} has no value (given: ${Object.keys(vars).join(', ') || 'none'})`);
  return out;
}

/** `skiff apply [-n NS] -f -` of a fixture with its `${NAME}`s filled in; must succeed. */
export async function applyTemplate(cluster: Cluster, file: string, vars: Record<string, string>, namespace?: string): Promise<string> {
  const text = fillTemplate(fs.readFileSync(file, 'utf8'), vars);
  const r = await cluster.skiffWith(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { stdin: text });
  if (r.code !== 0) throw new Error(`expected success:\n${showRun(r)}`);
  return r.stdout;
}

/** `skiff apply -n NS -f FILE` that must succeed. */
export async function applyFileIn(cluster: Cluster, file: string, namespace: string): Promise<string> {
  const r = await cluster.skiff('apply', '-n', namespace, '-f', file);
  if (r.code !== 0) throw new Error(`expected success:\n${showRun(r)}`);
  return r.stdout;
}
