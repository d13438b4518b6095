// Constructors for field errors with Kubernetes' wording (k8s.io/apimachinery/pkg/util/validation/field):
// `spec.containers[0].image: Required value`, `metadata.name: Invalid value: "X": ...`.

import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from '@skiff/api';

/** Renders a value as Kubernetes does in messages: strings quoted, numbers bare, the rest as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return '""';
  return JSON.stringify(value);
}

export const fe = {
  required: (field: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${showValue(value)}: ${detail}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field,
    message: `Duplicate value: ${showValue(value)}`,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${showValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  notFound: (field: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field, message: `Not found: ${showValue(value)}` }),
  tooLong: (field: string, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field,
    message: `Too long: must have at most ${max} bytes`,
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field,
    message: `Too many: ${actual}: must have at most ${max} items`,
  }),
};

export const IMMUTABLE = 'field is immutable';

/** `field is immutable` when the two values differ. */
export function immutable(field: string, next: unknown, prev: unknown): FieldError[] {
  return isDeepStrictEqual(next, prev) ? [] : [fe.invalid(field, next, IMMUTABLE)];
}

export function nonNegative(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 0 ? [fe.invalid(field, value, 'must be greater than or equal to 0')] : [];
}
