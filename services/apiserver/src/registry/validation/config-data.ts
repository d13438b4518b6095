// What ConfigMaps and Secrets share (pkg/apis/core/validation ValidateConfigMap, ValidateSecret
// and their updates): keys that are valid file names, base64 values for bytes, a 1 MiB limit on
// the data, and `immutable`, which freezes the data and cannot be unset.

import { isDeepStrictEqual } from 'node:util';
import { type FieldError, isConfigMapKey } from '@skiff/api';
import { decodeBase64 } from './base64.js';
import { fe } from './field-errors.js';

/** core.MaxSecretSize, also the limit of a ConfigMap's data. */
export const MAX_DATA_SIZE = 1024 * 1024;

const IMMUTABLE_SET = 'field is immutable when `immutable` is set';

export function validateDataKeys(data: Readonly<Record<string, string>> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) for (const m of isConfigMapKey(key)) errs.push(fe.invalid(`${field}[${key}]`, key, m));
  return errs;
}

/** Decodes base64 values ([]byte fields): the decoded bytes by key, and an error naming each key that is not base64. */
export function decodeByteData(
  data: Readonly<Record<string, string>> | undefined,
  field: string,
  redact: boolean,
): { values: Map<string, Buffer>; errors: FieldError[] } {
  const values = new Map<string, Buffer>();
  const errors: FieldError[] = [];
  for (const [key, text] of Object.entries(data ?? {})) {
    const decoded = decodeBase64(text);
    if ('bytes' in decoded) values.set(key, decoded.bytes);
    else errors.push(fe.invalid(`${field}[${key}]`, redact ? '<secret contents redacted>' : text, decoded.problem));
  }
  return { values, errors };
}

/** ValidateConfigMapUpdate / ValidateSecretUpdate: once `immutable` is true, it and the data fields stay as they are. */
export function validateImmutableData<T extends { immutable?: boolean }>(next: T, old: T, fields: readonly (keyof T & string)[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true) errs.push(fe.forbidden('immutable', IMMUTABLE_SET));
  for (const f of fields) if (!isDeepStrictEqual(next[f] ?? {}, old[f] ?? {})) errs.push(fe.forbidden(f, IMMUTABLE_SET));
  return errs;
}
