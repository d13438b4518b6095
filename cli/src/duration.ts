// Go duration strings (time.ParseDuration's units that matter here), as kubectl's --timeout flags
// take them.

import { CliError } from './errors.js';

/** Go duration strings as kubectl's --timeout takes them: `30s`, `2m`, `1h30m`, `500ms`. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += n * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000);
    consumed += m[0].length;
  }
  if (text === '0') return 0;
  if (consumed !== text.length || text === '') throw new CliError(`error: invalid duration "${text}"`);
  return total;
}
