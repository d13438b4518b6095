// Reads manifests for apply and delete -f: files, directories (their *.yaml, *.yml and *.json
// files, not recursive, in name order) and `-` for stdin. A file may hold several YAML documents
// (JSON is YAML); a `List` (or `<Kind>List`) stands for its items. Errors name the file and, for
// syntax errors, the line, as kubectl's do.

import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '@skiff/api';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.js';

export interface Manifest {
  /** The file the object came from (`STDIN` for `-`). */
  source: string;
  object: KubeObject;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `yaml`'s message without its own location suffix and code snippet. */
function cleanMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

function checkObject(obj: Record<string, unknown>, source: string): KubeObject {
  const missing: string[] = [];
  if (typeof obj['apiVersion'] !== 'string' || obj['apiVersion'] === '') missing.push('apiVersion not set');
  if (typeof obj['kind'] !== 'string' || obj['kind'] === '') missing.push('kind not set');
  if (missing.length > 0) {
    const list = missing.length === 1 ? missing[0] : `[${missing.join(', ')}]`;
    throw new CliError(`error: error validating "${source}": error validating data: ${list}`);
  }
  if (obj['metadata'] !== undefined && !isObject(obj['metadata'])) {
    throw new CliError(`error: error validating "${source}": error validating data: metadata must be an object`);
  }
  if (obj['metadata'] === undefined) obj['metadata'] = {};
  return obj as unknown as KubeObject;
}

function expand(obj: Record<string, unknown>, source: string, out: Manifest[]): void {
  const kind = obj['kind'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj['items'])) {
    for (const item of obj['items'] as unknown[]) {
      if (!isObject(item)) throw new CliError(`error: error validating "${source}": error validating data: a List item is not an object`);
      expand(item, source, out);
    }
    return;
  }
  out.push({ source, object: checkObject(obj, source) });
}

/** A JSON syntax error as `json: line N: message` (V8 reports a character position). */
function jsonError(text: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /at position (\d+)/.exec(msg);
  const line = pos ? lineOf(text, Number(pos[1])) : text.trimEnd().split('\n').length;
  return `json: line ${line}: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of JSON input')}`;
}

/** Parses the text of one file (or stdin) into its objects. */
export function parseManifests(text: string, source: string): Manifest[] {
  // JSON is YAML, but a JSON document deserves JSON's error messages.
  let jsonFailure: string | undefined;
  if (/^\s*[{[]/.test(text)) {
    try {
      const value: unknown = JSON.parse(text);
      if (!isObject(value)) throw new CliError(`error: error parsing ${source}: a manifest must be an object with apiVersion and kind, not a list`);
      const out: Manifest[] = [];
      expand(value, source, out);
      return out;
    } catch (e) {
      if (e instanceof CliError) throw e;
      jsonFailure = jsonError(text, e);
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const out: Manifest[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      if (jsonFailure) throw new CliError(`error: error parsing ${source}: ${jsonFailure}`);
      const line = err.linePos?.[0]?.line;
      const where = line === undefined ? '' : `line ${line}: `;
      throw new CliError(`error: error parsing ${source}: error converting YAML to JSON: yaml: ${where}${cleanMessage(err.message)}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    if (!isObject(value)) {
      const line = doc.contents?.range ? lineOf(text, doc.contents.range[0]) : undefined;
      const where = line === undefined ? '' : `line ${line}: `;
      throw new CliError(`error: error parsing ${source}: ${where}a manifest must be an object with apiVersion and kind, not ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`);
    }
    expand(value, source, out);
  }
  return out;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The files a path names: itself, or a directory's manifest files in name order. */
export function manifestFiles(p: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    throw new CliError(`error: the path "${p}" does not exist`);
  }
  if (!stat.isDirectory()) return [p];
  return fs
    .readdirSync(p, { withFileTypes: true })
    .filter((d) => d.isFile() && EXTENSIONS.has(path.extname(d.name).toLowerCase()))
    .map((d) => path.join(p, d.name))
    .sort();
}

/** Reads every `-f` argument; all files are parsed before anything is returned. */
export async function readManifests(paths: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<Manifest[]> {
  if (paths.length === 0) throw new CliError('error: must specify one of -f and -k');
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseManifests(await readStdin(stdin), 'STDIN'));
      continue;
    }
    for (const file of manifestFiles(p)) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        throw new CliError(`error: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
      }
      out.push(...parseManifests(text, file));
    }
  }
  return out;
}
