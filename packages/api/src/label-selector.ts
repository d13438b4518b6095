// Label selectors: the string form (`app=web,tier in (a,b),!canary`, as in `-l`) and the
// structured metav1.LabelSelector form, both compiled to one list of requirements.
// Follows k8s.io/apimachinery/pkg/labels/selector.go.

import type { LabelSelector } from './types.js';

export type Operator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

/** A compiled selector; an empty one matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  static everything(): Selector {
    return new Selector([]);
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      const v = l[r.key];
      switch (r.operator) {
        case '=':
          return has && v === r.values[0];
        case '!=':
          return !has || v !== r.values[0];
        case 'in':
          return has && r.values.includes(v as string);
        case 'notin':
          return !has || !r.values.includes(v as string);
        case 'exists':
          return has;
        case '!':
          return !has;
      }
    });
  }

  toString(): string {
    return this.requirements
      .map((r) => {
        switch (r.operator) {
          case '=':
          case '!=':
            return `${r.key}${r.operator}${r.values[0]}`;
          case 'in':
          case 'notin':
            return `${r.key} ${r.operator} (${r.values.join(',')})`;
          case 'exists':
            return r.key;
          case '!':
            return `!${r.key}`;
        }
      })
      .join(',');
  }
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export class SelectorParseError extends Error {}

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) throw new SelectorParseError(`invalid label key "${key}"`);
  return key;
}
function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorParseError(`invalid label value "${value}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new SelectorParseError(`unbalanced parentheses in "${s}"`);
  out.push(cur);
  return out.map((t) => t.trim());
}

/** Parses the string form used by `-l` and `labelSelector=`. Throws SelectorParseError. */
export function parseSelector(text: string): Selector {
  const s = text.trim();
  if (s === '') return Selector.everything();
  const reqs: Requirement[] = [];
  for (const term of splitTerms(s)) {
    if (term === '') throw new SelectorParseError(`empty term in selector "${text}"`);
    let m: RegExpMatchArray | null;
    if ((m = term.match(/^(\S+)\s+(in|notin)\s*\((.*)\)$/))) {
      const values = (m[3] ?? '').split(',').map((v) => checkValue(v.trim()));
      reqs.push({ key: checkKey(m[1] ?? ''), operator: m[2] as 'in' | 'notin', values });
    } else if ((m = term.match(/^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      const op = m[2] === '!=' ? '!=' : '=';
      reqs.push({ key: checkKey(m[1] ?? ''), operator: op, values: [checkValue(m[3] ?? '')] });
    } else if ((m = term.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1] ?? ''), operator: '!', values: [] });
    } else if (/^\S+$/.test(term)) {
      reqs.push({ key: checkKey(term), operator: 'exists', values: [] });
    } else {
      throw new SelectorParseError(`unable to parse requirement "${term}"`);
    }
  }
  return new Selector(reqs);
}

/** Compiles a metav1.LabelSelector. An empty structured selector matches everything. */
export function selectorFromLabelSelector(ls: LabelSelector | undefined): Selector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(ls?.matchLabels ?? {})) reqs.push({ key, operator: '=', values: [value] });
  for (const e of ls?.matchExpressions ?? []) {
    const operator: Operator = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    reqs.push({ key: e.key, operator, values: e.values ?? [] });
  }
  return new Selector(reqs);
}
