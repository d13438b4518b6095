// describe for kinds without their own describer: kubectl's generic describer, which prints the
// object's fields with "smart" labels (`holderIdentity` → `Holder Identity`), sorted by key.

import type { Event, KubeObject } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, PrefixWriter, writeObjectHeader } from './prefix-writer.js';

const ACRONYMS = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);

/** kubectl's smartLabelFor: camelCase → `Camel Case`, known acronyms upper-cased. */
export function smartLabel(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|-+/g) ?? [field];
  return parts
    .map((p) => (ACRONYMS.has(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join(' ');
}

const SKIP = new Set(['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);

function writeContent(w: PrefixWriter, level: number, content: Readonly<Record<string, unknown>>, prefix: string): void {
  for (const field of Object.keys(content).sort()) {
    const path = `${prefix}.${field}`;
    if (SKIP.has(path)) continue;
    const value = content[field];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      writeContent(w, level + 1, value as Record<string, unknown>, path);
    } else if (Array.isArray(value)) {
      w.write(level, `${smartLabel(field)}:\n`);
      for (const child of value) {
        if (child !== null && typeof child === 'object' && !Array.isArray(child)) writeContent(w, level + 1, child as Record<string, unknown>, path);
        else w.write(level + 1, `${String(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabel(field)}:\t${String(value)}\n`);
    }
  }
}

export function describeGeneric(obj: Readonly<KubeObject>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  writeObjectHeader(w, obj);
  writeContent(w, LEVEL_0, obj as unknown as Record<string, unknown>, '');
  if (events) writeEvents(w, events, now);
  return w.toString();
}
