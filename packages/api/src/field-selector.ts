// Field selectors (`spec.nodeName=node-1,status.phase!=Running`): only `=`, `==` and `!=`, over a
// fixed set of fields per kind, as in Kubernetes. Which fields a kind supports is the registry's
// business; this module parses and matches.

import { SelectorParseError } from './label-selector.js';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export class FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** `fields` maps each selectable field of the object to its value. */
  matches(fields: Readonly<Record<string, string>>): boolean {
    return this.requirements.every((r) => {
      const v = fields[r.field] ?? '';
      return r.operator === '=' ? v === r.value : v !== r.value;
    });
  }

  /** The value an exact `field=value` term requires, if there is one. */
  exactValue(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${r.value}`).join(',');
  }
}

export function parseFieldSelector(text: string): FieldSelector {
  const s = text.trim();
  if (s === '') return new FieldSelector([]);
  return new FieldSelector(
    s.split(',').map((term) => {
      const m = term.trim().match(/^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw new SelectorParseError(`invalid field selector term "${term}"`);
      return { field: m[1] ?? '', operator: m[2] === '!=' ? '!=' : '=', value: (m[3] ?? '').trim() };
    }),
  );
}
