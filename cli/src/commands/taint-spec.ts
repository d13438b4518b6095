// The taint arguments of `skiff taint` and what they do to a node's taints, after kubectl's
// taint/utils.go: `key=value:Effect` and `key:Effect` add, `key:Effect-` and `key-` remove; an
// existing (key, effect) is only replaced with --overwrite; the outcome is `tainted`, `untainted`
// or `modified`.

import { isQualifiedName, isValidLabelValue, type Taint } from '@skiff/api';
import { CliError } from '../errors.js';

export type TaintEffect = Taint['effect'];

const EFFECTS: readonly string[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A taint to remove: by key and effect, or every effect of the key when `effect` is undefined. */
export interface TaintRemoval {
  key: string;
  effect?: TaintEffect;
}

export interface TaintChanges {
  add: Taint[];
  remove: TaintRemoval[];
}

/** Taint.ToString: `key=value:Effect`, `key:Effect`, `key=value:`, `key`. */
export function taintString(t: Readonly<{ key: string; value?: string; effect?: string }>): string {
  if (!t.effect) return t.value ? `${t.key}=${t.value}:` : t.key;
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/** Taint arguments contain `=` or `:` or end in `-`; every resource comes before them. */
export function splitTaintArgs(args: readonly string[]): { resources: string[]; taints: string[] } {
  const resources: string[] = [];
  const taints: string[] = [];
  for (const arg of args) {
    const isTaint = arg.includes('=') || arg.includes(':') || arg.endsWith('-');
    if (isTaint) taints.push(arg);
    else if (taints.length > 0) throw new CliError(`error: all resources must be specified before taint changes: ${arg}`);
    else resources.push(arg);
  }
  if (resources.length < 1) throw new CliError('error: one or more resources must be specified as <resource> <name>');
  if (taints.length < 1) throw new CliError('error: at least one taint update is required');
  return { resources, taints };
}

/** parseTaint: `key=value:effect`, `key:effect` or `key` (the last only to remove). */
function parseTaint(spec: string): { key: string; value: string; effect?: TaintEffect } {
  const parts = spec.split(':');
  let key: string;
  let value = '';
  let effect: TaintEffect | undefined;
  if (parts.length === 1) {
    key = parts[0] ?? '';
  } else if (parts.length === 2) {
    const e = parts[1] ?? '';
    if (!EFFECTS.includes(e)) throw new Error(`invalid taint effect: ${e}, unsupported taint effect`);
    effect = e as TaintEffect;
    const kv = (parts[0] ?? '').split('=');
    if (kv.length > 2) throw new Error(`invalid taint spec: ${spec}`);
    key = kv[0] ?? '';
    if (kv.length === 2) {
      value = kv[1] ?? '';
      const errs = isValidLabelValue(value);
      if (errs.length > 0) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
    }
  } else {
    throw new Error(`invalid taint spec: ${spec}`);
  }
  const errs = isQualifiedName(key);
  if (errs.length > 0) throw new Error(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  return effect ? { key, value, effect } : { key, value };
}

function usage(message: string): CliError {
  return new CliError(`error: ${message}\nSee 'skiff taint -h' for help and examples`);
}

/** parseTaints plus Validate's conflict check: what to add and what to remove. */
export function parseTaints(specs: readonly string[]): TaintChanges {
  const add: Taint[] = [];
  const remove: TaintRemoval[] = [];
  try {
    for (const spec of specs) {
      if (spec.endsWith('-')) {
        const t = parseTaint(spec.slice(0, -1));
        remove.push(t.effect ? { key: t.key, effect: t.effect } : { key: t.key });
        continue;
      }
      const t = parseTaint(spec);
      if (!t.effect) throw new Error(`invalid taint spec: ${spec}`);
      if (add.some((a) => a.key === t.key && a.effect === t.effect)) {
        throw new Error(`duplicated taints with the same key and effect: {${t.key} ${t.value} ${t.effect} <nil>}`);
      }
      add.push(t.value ? { key: t.key, value: t.value, effect: t.effect } : { key: t.key, effect: t.effect });
    }
  } catch (e) {
    throw usage(e instanceof Error ? e.message : String(e));
  }
  const conflicts = remove
    .filter((r) => add.some((a) => a.key === r.key && (r.effect === undefined || a.effect === r.effect)))
    .map((r) => `{"${r.key}":"${r.effect ?? ''}"}`);
  if (conflicts.length > 0) throw new CliError(`error: can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
  return { add, remove };
}

const sameTaint = (a: Readonly<TaintRemoval>, b: Readonly<TaintRemoval>): boolean => a.key === b.key && a.effect === b.effect;

/**
 * updateTaints + reorganizeTaints: the node's taints after the changes, and the outcome. Without
 * --overwrite an added (key, effect) the node already has is refused; removing what is not there
 * is an error.
 */
export function applyTaintChanges(nodeName: string, current: readonly Taint[], changes: Readonly<TaintChanges>, overwrite: boolean): { operation: 'tainted' | 'untainted' | 'modified'; taints: Taint[] } {
  if (!overwrite) {
    const existing = changes.add.filter((t) => current.some((o) => sameTaint(t, o))).map((t) => t.key);
    if (existing.length > 0) throw new CliError(`error: node ${nodeName} already has ${existing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
  }
  const next: Taint[] = [...changes.add];
  for (const old of current) if (!next.some((t) => sameTaint(t, old))) next.push(old);
  const added = current.length !== next.length;
  let result = next;
  let deleted = false;
  const notFound: string[] = [];
  for (const r of changes.remove) {
    const kept = result.filter((t) => (r.effect === undefined ? t.key !== r.key : !sameTaint(t, r)));
    deleted = kept.length !== result.length;
    if (!deleted) notFound.push(`taint "${taintString(r)}" not found`);
    result = kept;
  }
  if (notFound.length > 0) throw new CliError(notFound.length === 1 ? `error: ${notFound[0] ?? ''}` : `error: [${notFound.join(', ')}]`);
  const operation = (added && deleted) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { operation, taints: result };
}
