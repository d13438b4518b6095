// The fieldValidation query parameter (KEP-2885): Strict refuses unknown fields (the registry's
// decode does that by itself), Warn drops them with a `Warning:` header each, Ignore drops them.

import { errors } from '@skiff/api';
import type { Schema } from '../registry/schema.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '' || value === 'Strict') return 'Strict';
  if (value === 'Warn' || value === 'Ignore') return value;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${value}"`);
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Removes fields the schema does not know from `value` (in place); returns their paths. */
export function dropUnknownFields(value: unknown, schema: Schema, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (schema.type === 'array' && Array.isArray(value)) return value.flatMap((v, i) => dropUnknownFields(v, schema.items, `${path}[${i}]`));
  if (Array.isArray(value)) return [];
  const obj = value as Record<string, unknown>;
  if (schema.type === 'map') return Object.entries(obj).flatMap(([k, v]) => dropUnknownFields(v, schema.values, `${path}[${k}]`));
  if (schema.type !== 'object') return [];
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const field = schema.fields[k];
    if (field === undefined) {
      // apiVersion and kind are read before the schema; never drop them.
      if (path === '' && (k === 'apiVersion' || k === 'kind')) continue;
      delete obj[k];
      dropped.push(child(path, k));
    } else dropped.push(...dropUnknownFields(v, field, child(path, k)));
  }
  return dropped;
}

/** Kubernetes' warning text for a dropped field. */
export function unknownFieldWarning(path: string): string {
  return `unknown field "${path}"`;
}
