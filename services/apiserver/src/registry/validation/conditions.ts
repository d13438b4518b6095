import type { Condition, FieldError } from '@skiff/api';
import { fe } from './field-errors.js';

const STATUSES = ['True', 'False', 'Unknown'];

export function validateConditions(conditions: readonly Condition[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (conditions ?? []).forEach((c, i) => {
    if (!c.type) errs.push(fe.required(`${field}[${i}].type`));
    if (!STATUSES.includes(c.status)) errs.push(fe.notSupported(`${field}[${i}].status`, c.status ?? '', STATUSES));
  });
  return errs;
}
