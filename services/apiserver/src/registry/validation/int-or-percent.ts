// intstr.IntOrString fields given as a count or a percentage ("25%"), validated as Kubernetes'
// apps validation does (ValidatePositiveIntOrPercent, IsNotMoreThan100Percent).

import { type FieldError, isValidPercent } from '@skiff/api';
import { nonNegative } from './field-errors.js';

export type IntOrPercent = number | string;

/** A field error whose value is an IntOrString, shown as Kubernetes shows one (`25%`, `3`). */
function invalid(field: string, value: IntOrPercent, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: `Invalid value: ${String(value)}: ${detail}` };
}

/** The percentage of a valid percent string ("25%" → 25), else undefined. */
export function percentOf(value: IntOrPercent | undefined): number | undefined {
  return typeof value === 'string' && isValidPercent(value).length === 0 ? Number(value.slice(0, -1)) : undefined;
}

/** A non-negative integer or a valid percentage of at most 100%. */
export function validateIntOrPercent(value: IntOrPercent | undefined, field: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return nonNegative(field, value);
  const problems = isValidPercent(value);
  if (problems.length > 0) return problems.map((m) => invalid(field, value, m));
  return (percentOf(value) ?? 0) > 100 ? [invalid(field, value, 'must not be greater than 100%')] : [];
}

export { invalid as invalidIntOrPercent };

/** ValidatePositiveIntOrPercent: a non-negative integer or a valid percentage, with no upper bound (a Deployment's maxSurge). */
export function validatePositiveIntOrPercent(value: IntOrPercent | undefined, field: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return nonNegative(field, value);
  return isValidPercent(value).map((m) => invalid(field, value, m));
}

/** getIntOrPercentValue: the percentage, or the integer (a string that is neither counts as 0). */
export function intOrPercentValue(value: IntOrPercent | undefined): number {
  const pct = percentOf(value);
  if (pct !== undefined) return pct;
  if (typeof value === 'number') return value;
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : 0;
}
