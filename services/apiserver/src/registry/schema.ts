// Skiff's rule: a field Skiff does not support is an error, never silently ignored. Each kind
// declares the fields it supports as a Schema; `checkSchema` reports every unknown field and every
// value of the wrong JSON type, with its path (`spec.containers[0].livenessProbe`), the way
// Kubernetes' strict field validation does. An object schema may also list its `required` fields:
// that list is documentation (the OpenAPI documents carry it, so `kubectl explain` marks them
// `-required-`); `checkSchema` ignores it, each strategy's validate reports missing values.

export type Schema =
  | { readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'quantity' | 'intOrString' | 'any' }
  | { readonly type: 'object'; readonly fields: Readonly<Record<string, Schema>>; readonly required?: readonly string[] }
  | { readonly type: 'array'; readonly items: Schema }
  | { readonly type: 'map'; readonly values: Schema };

export const S = {
  string: { type: 'string' } as Schema,
  integer: { type: 'integer' } as Schema,
  number: { type: 'number' } as Schema,
  boolean: { type: 'boolean' } as Schema,
  /** A resource quantity: "100m", "1Gi" or a plain number. */
  quantity: { type: 'quantity' } as Schema,
  /** intstr.IntOrString: an integer or a string ("25%"). */
  intOrString: { type: 'intOrString' } as Schema,
  /** A struct; `opts.required` names the fields Kubernetes' OpenAPI marks required (documentation only). */
  object: (fields: Record<string, Schema>, opts?: { required?: readonly string[] }): Schema =>
    opts?.required !== undefined && opts.required.length > 0 ? { type: 'object', fields, required: [...opts.required] } : { type: 'object', fields },
  array: (items: Schema): Schema => ({ type: 'array', items }),
  map: (values: Schema): Schema => ({ type: 'map', values }),
};

export interface SchemaProblem {
  kind: 'unknown' | 'type';
  path: string;
  message: string;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function typeProblem(path: string, value: unknown, expected: string): SchemaProblem {
  return { kind: 'type', path, message: `json: cannot unmarshal ${jsonType(value)} into field ${path} of type ${expected}` };
}

/** Every unknown field and type mismatch in `value`, in document order. `null` counts as absent. */
export function checkSchema(value: unknown, schema: Schema, path = ''): SchemaProblem[] {
  if (value === null || value === undefined) return [];
  switch (schema.type) {
    case 'any':
      return [];
    case 'string':
    case 'boolean':
    case 'number':
      return typeof value === schema.type ? [] : [typeProblem(path, value, schema.type)];
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? [] : [typeProblem(path, value, 'integer')];
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number' ? [] : [typeProblem(path, value, 'resource.Quantity')];
    case 'intOrString':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? [] : [typeProblem(path, value, 'intstr.IntOrString')];
    case 'array':
      if (!Array.isArray(value)) return [typeProblem(path, value, 'array')];
      return value.flatMap((item, i) => checkSchema(item, schema.items, `${path}[${i}]`));
    case 'map':
      if (jsonType(value) !== 'object') return [typeProblem(path, value, 'map')];
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => checkSchema(v, schema.values, `${path}[${k}]`));
    case 'object': {
      if (jsonType(value) !== 'object') return [typeProblem(path, value, 'object')];
      const out: SchemaProblem[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const field = schema.fields[k];
        if (field === undefined) out.push({ kind: 'unknown', path: child(path, k), message: `unknown field "${child(path, k)}"` });
        else out.push(...checkSchema(v, field, child(path, k)));
      }
      return out;
    }
  }
}

/** Removes object keys whose value is null, recursively (JSON null means "not set"). */
export function pruneNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => pruneNulls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v);
    return out as T;
  }
  return value;
}
