// kubectl describe's PrefixWriter: each Write indents by two spaces per level, and the whole
// text goes through one tabwriter (minwidth 0, padding 2), so `Key:\tvalue` lines align.

import type { KubeObject } from '@skiff/api';
import { DESCRIBE_OPTIONS, TabWriter } from '../printers/tab-writer.js';

export const LEVEL_0 = 0;
export const LEVEL_1 = 1;
export const LEVEL_2 = 2;
export const LEVEL_3 = 3;

export class PrefixWriter {
  private readonly tw = new TabWriter(DESCRIBE_OPTIONS);
  private out = '';

  write(level: number, text: string): void {
    this.tw.write('  '.repeat(level) + text);
  }

  /** Ends the current tabwriter run (later lines align on their own), as kubectl's Flush. */
  flush(): void {
    this.out += this.tw.flush();
  }

  toString(): string {
    this.flush();
    return this.out;
  }
}

/** Go's time.RFC1123Z in local time: `Mon, 02 Jan 2006 15:04:05 -0700`. */
export function rfc1123z(timestamp: string | undefined | null): string {
  const t = timestamp ? new Date(timestamp) : new Date(0);
  const d = Number.isNaN(t.getTime()) ? new Date(0) : t;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  return `${days[d.getDay()]}, ${p2(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`;
}

/** printLabelsMultiline: `Labels:\tk=v`, further keys on their own lines, sorted; `<none>`. */
export function writeLabels(w: PrefixWriter, title: string, labels: Readonly<Record<string, string>> | undefined, indent = ''): void {
  w.write(LEVEL_0, `${indent}${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.write(LEVEL_0, '<none>\n');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) w.write(LEVEL_0, `${indent}\t`);
    w.write(LEVEL_0, `${k}=${labels?.[k] ?? ''}\n`);
  });
}

const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const MAX_ANNOTATION_LEN = 140;

/** printAnnotationsMultiline: `key: value`, long or multi-line values on their own lines. */
export function writeAnnotations(w: PrefixWriter, title: string, annotations: Readonly<Record<string, string>> | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIP_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) {
    w.write(LEVEL_0, '<none>\n');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    const value = (annotations?.[k] ?? '').replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(LEVEL_0, `${k}:\n`);
      for (const s of value.split('\n')) {
        const short = s.length > MAX_ANNOTATION_LEN - 2 ? `${s.slice(0, MAX_ANNOTATION_LEN - 2)}...` : s;
        w.write(LEVEL_0, `\t  ${short}\n`);
      }
    } else {
      w.write(LEVEL_0, `${k}: ${value}\n`);
    }
  });
}

/** Name, Namespace, Labels and Annotations: how most of kubectl's describers begin. */
export function writeObjectHeader(w: PrefixWriter, obj: Readonly<KubeObject>): void {
  w.write(LEVEL_0, `Name:\t${obj.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
  writeLabels(w, 'Labels', obj.metadata.labels);
  writeAnnotations(w, 'Annotations', obj.metadata.annotations);
}
