// Go duration strings (time.ParseDuration's units that matter here), as kubectl's --timeout flags
// take them.

import { parseDurationMs } from '@skiff/component';
import { CliError } from './errors.js';

/** Go duration strings as kubectl's --timeout takes them: `30s`, `2m`, `1h30m`, `500ms`. */
export function parseDuration(text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0) throw new CliError(`error: invalid duration "${text}"`);
  return ms;
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
