// describe configmap and describe secret, after kubectl's describeConfigMap and describeSecret: a
// ConfigMap's values in full, a Secret's only as sizes (never its contents).

import type { ConfigMap, Event, Secret } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, PrefixWriter, writeAnnotations, writeLabels } from './prefix-writer.js';

const sortedKeys = (m: Readonly<Record<string, string>> | undefined): string[] => Object.keys(m ?? {}).sort();

function writeHeader(w: PrefixWriter, obj: Readonly<ConfigMap | Secret>): void {
  w.write(LEVEL_0, `Name:\t${obj.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
  writeLabels(w, 'Labels', obj.metadata.labels);
  writeAnnotations(w, 'Annotations', obj.metadata.annotations);
}

export function describeConfigMap(cm: Readonly<ConfigMap>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  writeHeader(w, cm);
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
  writeHeader(w, secret);
  w.write(LEVEL_0, `\nType:\t${secret.type ?? ''}\n`);
  w.write(LEVEL_0, '\nData\n====\n');
  for (const k of sortedKeys(secret.data)) {
    const value = Buffer.from(secret.data?.[k] ?? '', 'base64');
    const token = k === 'token' && secret.type === 'kubernetes.io/service-account-token';
    w.write(LEVEL_0, token ? `${k}:\t${value.toString('utf8')}\n` : `${k}:\t${value.length} bytes\n`);
  }
  return w.toString();
}
