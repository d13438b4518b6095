// describe configmap and describe secret, after kubectl's describeConfigMap and describeSecret: a
// ConfigMap's values in full, a Secret's only as sizes (never its contents).

import type { ConfigMap, Event, Secret } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, PrefixWriter, writeObjectHeader } from './prefix-writer.js';

const sortedKeys = (m: Readonly<Record<string, string>> | undefined): string[] => Object.keys(m ?? {}).sort();

export function describeConfigMap(cm: Readonly<ConfigMap>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  writeObjectHeader(w, cm);
  w.write(LEVEL_0, '\nData\n====\n');
  for (const k of sortedKeys(cm.data)) w.write(LEVEL_0, `${k}:\n----\n${cm.data?.[k] ?? ''}\n\n`);
  w.write(LEVEL_0, '\nBinaryData\n====\n');
  for (const k of sortedKeys(cm.binaryData)) w.write(LEVEL_0, `${k}: ${Buffer.from(cm.binaryData?.[k] ?? '', 'base64').length} bytes\n`);
  w.write(LEVEL_0, '\n');
  if (events) writeEvents(w, events, now);
  return w.toString();
}

export function describeSecret(secret: Readonly<Secret>): string {
  const w = new PrefixWriter();
  writeObjectHeader(w, secret);
  w.write(LEVEL_0, `\nType:\t${secret.type ?? ''}\n`);
  w.write(LEVEL_0, '\nData\n====\n');
  for (const k of sortedKeys(secret.data)) {
    const value = Buffer.from(secret.data?.[k] ?? '', 'base64');
    const token = k === 'token' && secret.type === 'kubernetes.io/service-account-token';
    w.write(LEVEL_0, token ? `${k}:\t${value.toString('utf8')}\n` : `${k}:\t${value.length} bytes\n`);
  }
  return w.toString();
}
