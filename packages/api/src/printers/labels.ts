// Label and selector formatting as kubectl prints them (labels.FormatLabels,
// metav1.FormatLabelSelector): keys sorted, `<none>` when empty.

import type { LabelSelector } from '../types.js';

export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

export function formatLabelSelector(ls: Readonly<LabelSelector> | undefined): string {
  const terms: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(ls?.matchLabels ?? {})) terms.push({ key, text: `${key}=${value}` });
  for (const e of ls?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : `!${e.key}`;
    terms.push({ key: e.key, text });
  }
  terms.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const s = terms.map((t) => t.text).join(',');
  return s === '' ? '<none>' : s;
}
