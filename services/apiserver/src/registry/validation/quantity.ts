// Resource quantities in specs ("100m", "1Gi"): Skiff keeps them as strings, so a quantity that
// does not parse is reported with the regular expression Kubernetes' decoder names.

import { parseQuantity, type FieldError, type ResourceList } from '@skiff/api';
import { fe } from './field-errors.js';

const QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

export const QUANTITY_MESSAGE = `quantities must match the regular expression '${QUANTITY_REGEX}'`;

/** The quantity's value, or the field error saying it does not parse or is negative (ValidateNonnegativeQuantity). */
export function nonNegativeQuantity(field: string, raw: string | number | undefined): { value?: number; errors: FieldError[] } {
  const value = parseQuantity(raw);
  if (value === undefined) return { errors: [fe.invalid(field, raw, QUANTITY_MESSAGE)] };
  if (value < 0) return { errors: [fe.invalid(field, raw, 'must be greater than or equal to 0')] };
  return { value, errors: [] };
}

/** Quantities are stored as strings, as Kubernetes serializes them: `cpu: 2` becomes `cpu: "2"`. */
export function normalizeQuantities(list: ResourceList | undefined): void {
  if (!list || typeof list !== 'object') return;
  for (const [k, v] of Object.entries(list)) if (typeof v === 'number') list[k] = String(v);
}
