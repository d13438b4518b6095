// Skiff's registry Schema (registry/schema.ts) as OpenAPI v3 component schemas, the way Kubernetes'
// kube-openapi writes them (api/openapi-spec/v3/*.json): each struct a component, fields that hold
// one as `allOf: [{$ref}]` beside their description, quantities and int-or-strings as the
// apimachinery types, maps as `additionalProperties`, required fields as `required`, kinds with
// `x-kubernetes-group-version-kind`, and the strategic-merge-patch tags (@skiff/api patchMetaFor)
// as `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key` and
// `x-kubernetes-list-type`/`x-kubernetes-list-map-keys`.

import type { PatchMeta } from '@skiff/api';
import type { Schema } from '../../registry/schema.js';
import { fieldDescription, typeDescription } from './descriptions.js';
import { INT_OR_STRING, QUANTITY } from './names.js';

export type OpenApiSchema = Record<string, unknown>;

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const ref = (name: string): OpenApiSchema => ({ $ref: `#/components/schemas/${name}` });
export const shortName = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

/** Keyed lists whose Kubernetes list-map keys are more than the merge key. */
const LIST_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'Container.ports': ['containerPort', 'protocol'],
  'ServiceSpec.ports': ['port', 'protocol'],
};

const SCALARS: Readonly<Record<string, OpenApiSchema>> = {
  // kube-openapi's v3 form (OpenAPIV3OneOfTypes): no single `type`, so `kubectl explain` names them.
  [QUANTITY]: { description: typeDescription('Quantity'), format: 'quantity', oneOf: [{ type: 'string' }, { type: 'number' }] },
  [INT_OR_STRING]: { description: typeDescription('IntOrString'), format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
};

/** Builds the component schemas one document needs, following references from the roots it is given. */
export class ComponentBuilder {
  readonly schemas: Record<string, OpenApiSchema> = {};

  constructor(
    private readonly names: ReadonlyMap<Schema, string>,
    private readonly gvks: ReadonlyMap<string, Gvk[]> = new Map(),
  ) {}

  /** Adds a named struct (and everything it refers to); returns its `$ref`. */
  addNamed(schema: Schema, name: string, meta: PatchMeta | undefined): OpenApiSchema {
    if (!(name in this.schemas)) {
      this.schemas[name] = {}; // reserve first: struct types may refer to themselves
      this.schemas[name] = this.struct(schema, name, meta);
    }
    return ref(name);
  }

  /** Adds a hand-written component. */
  addRaw(name: string, schema: OpenApiSchema): OpenApiSchema {
    this.schemas[name] ??= schema;
    return ref(name);
  }

  private struct(schema: Schema, name: string, meta: PatchMeta | undefined): OpenApiSchema {
    const short = shortName(name);
    const out: OpenApiSchema = {};
    const description = typeDescription(short);
    if (description) out['description'] = description;
    Object.assign(out, this.value(schema, meta, short, undefined, true));
    const gvk = this.gvks.get(name);
    if (gvk) out['x-kubernetes-group-version-kind'] = gvk;
    return out;
  }

  /** A field's schema: `$ref` types wrapped in allOf so the description and extensions sit beside them. */
  private field(schema: Schema, meta: PatchMeta | undefined, owner: string, field: string): OpenApiSchema {
    const body = this.value(schema, meta, owner, field, false);
    const out: OpenApiSchema = '$ref' in body ? { allOf: [body] } : body;
    const description = fieldDescription(owner, field);
    if (description) out['description'] = description;
    Object.assign(out, patchExtensions(schema, meta, `${owner}.${field}`));
    return out;
  }

  /** An array item or map value: a `$ref` type wrapped in allOf, as kube-openapi writes it (explain names the type from it). */
  private element(schema: Schema, meta: PatchMeta | undefined, owner: string, field: string | undefined): OpenApiSchema {
    const body = this.value(schema, meta, owner, field, false);
    return '$ref' in body ? { allOf: [body], default: {} } : body;
  }

  /** The schema of a value; `inline` forces a named struct to be written out (its own component body). */
  private value(schema: Schema, meta: PatchMeta | undefined, owner: string, field: string | undefined, inline: boolean): OpenApiSchema {
    switch (schema.type) {
      case 'string':
        return { type: 'string' };
      case 'boolean':
        return { type: 'boolean' };
      case 'integer':
        return { type: 'integer', format: 'int64' };
      case 'number':
        return { type: 'number', format: 'double' };
      case 'quantity':
        return this.addRaw(QUANTITY, SCALARS[QUANTITY] ?? {});
      case 'intOrString':
        return this.addRaw(INT_OR_STRING, SCALARS[INT_OR_STRING] ?? {});
      case 'any':
        return { 'x-kubernetes-preserve-unknown-fields': true };
      case 'array':
        return { type: 'array', items: this.element(schema.items, meta?.items, owner, field) };
      case 'map':
        return { type: 'object', additionalProperties: this.element(schema.values, meta?.items, owner, field) };
      case 'object': {
        const name = this.names.get(schema);
        if (name !== undefined && !inline) return this.addNamed(schema, name, meta);
        // An unnamed struct's fields are described under the field that holds it.
        const typeName = name !== undefined ? shortName(name) : field !== undefined ? `${owner}.${field}` : owner;
        const properties: Record<string, OpenApiSchema> = {};
        for (const key of Object.keys(schema.fields).sort()) {
          const f = schema.fields[key];
          if (f !== undefined) properties[key] = this.field(f, meta?.fields?.[key], typeName, key);
        }
        const out: OpenApiSchema = { type: 'object', properties };
        // kube-openapi lists required fields in the struct's own order; `kubectl explain` marks them `-required-`.
        const required = (schema.required ?? []).filter((k) => k in schema.fields);
        if (required.length > 0) out['required'] = required;
        return out;
      }
    }
  }
}

/** The patch and list extensions of a field with the given patch meta. */
function patchExtensions(schema: Schema, meta: PatchMeta | undefined, fieldKey: string): OpenApiSchema {
  const out: OpenApiSchema = {};
  if (!meta?.strategy) return out;
  out['x-kubernetes-patch-strategy'] = meta.strategy;
  if (meta.mergeKey) out['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (schema.type === 'array' && meta.strategy.includes('merge')) {
    if (meta.mergeKey) {
      out['x-kubernetes-list-type'] = 'map';
      out['x-kubernetes-list-map-keys'] = [...(LIST_MAP_KEYS[fieldKey] ?? [meta.mergeKey])];
    } else {
      out['x-kubernetes-list-type'] = 'set';
    }
  }
  return out;
}
