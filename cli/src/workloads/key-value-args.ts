// Arguments of the form `RESOURCE... KEY=VALUE... KEY-...` (set image, label, annotate), split and
// parsed the way kubectl's cmdutil.GetResourcesAndPairs and ParsePairs do.

import { CliError } from '../errors.js';

function isPair(arg: string): boolean {
  return (arg.includes('=') && !arg.startsWith('=')) || (arg.endsWith('-') && arg !== '-');
}

/** The resources first, then the pairs; a resource after a pair is an error. */
export function splitResourcesAndPairs(args: readonly string[], pairType: string): { resources: string[]; pairs: string[] } {
  const resources: string[] = [];
  const pairs: string[] = [];
  for (const arg of args) {
    if (isPair(arg)) pairs.push(arg);
    else if (pairs.length > 0) throw new CliError(`error: all resources must be specified before ${pairType} changes: ${arg}`);
    else resources.push(arg);
  }
  return { resources, pairs };
}

export interface ParsedPairs {
  /** KEY=VALUE, in the order given (a repeated key: the last value). */
  set: Map<string, string>;
  /** KEY- (only when removal is supported). */
  remove: string[];
}

export function parsePairs(pairs: readonly string[], pairType: string, supportRemove: boolean): ParsedPairs {
  const set = new Map<string, string>();
  const remove: string[] = [];
  const invalid: string[] = [];
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq > 0) set.set(p.slice(0, eq), p.slice(eq + 1));
    else if (supportRemove && p.endsWith('-') && p !== '-') remove.push(p.slice(0, -1));
    else invalid.push(p);
  }
  if (invalid.length > 0) throw new CliError(`error: invalid ${pairType} format: ${invalid.join(', ')}`);
  const both = remove.filter((k) => set.has(k));
  if (both.length > 0) throw new CliError(`error: can not both modify and remove the following ${pairType}(s) in the same command: ${both.join(', ')}`);
  return { set, remove };
}

/** Keys whose value would change though --overwrite was not given. */
export function overwrites(current: Readonly<Record<string, string>> | undefined, set: ReadonlyMap<string, string>, exempt: ReadonlySet<string> = new Set()): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [key, value] of set) {
    if (exempt.has(key)) continue;
    const cur = current?.[key];
    if (cur !== undefined && cur !== value) out.push({ key, value: cur });
  }
  return out;
}

/**
 * The merge-patch map for `metadata.labels` / `metadata.annotations` that applies the pairs (null
 * removes a key), holding only what changes; empty when nothing would change.
 */
export function keyValuePatch(current: Readonly<Record<string, string>> | undefined, parsed: Readonly<ParsedPairs>): Record<string, string | null> {
  const patch: Record<string, string | null> = {};
  for (const [k, v] of parsed.set) if (current?.[k] !== v) patch[k] = v;
  for (const k of parsed.remove) if (current?.[k] !== undefined) patch[k] = null;
  return patch;
}
