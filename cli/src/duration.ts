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

/** Go's time.Duration String for whole milliseconds: `5s`, `1m30s`, `1h0m0s`, `500ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
