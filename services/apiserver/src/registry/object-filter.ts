// Which objects a list or watch wants: a namespace, a label selector and a field selector. Parse
// errors and field selectors on unsupported fields are BadRequest, as in Kubernetes.

import { errors, parseFieldSelector, parseSelector, type FieldSelector, type KubeObject, type Selector } from '@skiff/api';
import { objectFields, type Strategy } from './strategy.js';

export interface FilterOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export class ObjectFilter {
  private constructor(
    private readonly strategy: Strategy,
    readonly namespace: string,
    private readonly labels: Selector,
    private readonly fields: FieldSelector,
  ) {}

  static parse(strategy: Strategy, opts: FilterOptions): ObjectFilter {
    let labels: Selector;
    let fields: FieldSelector;
    try {
      labels = parseSelector(opts.labelSelector ?? '');
    } catch (e) {
      throw errors.badRequest(`unable to parse requirement: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      fields = parseFieldSelector(opts.fieldSelector ?? '');
    } catch (e) {
      throw errors.badRequest(`invalid field selector: ${e instanceof Error ? e.message : String(e)}`);
    }
    const supported = Object.keys(objectFields(strategy, { apiVersion: '', kind: '', metadata: {} }));
    for (const r of fields.requirements) {
      if (!supported.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
    }
    const namespace = strategy.info.namespaced ? (opts.namespace ?? '') : '';
    return new ObjectFilter(strategy, namespace, labels, fields);
  }

  matches(obj: KubeObject): boolean {
    if (this.namespace && obj.metadata.namespace !== this.namespace) return false;
    return this.labels.matches(obj.metadata.labels) && this.fields.matches(objectFields(this.strategy, obj));
  }
}
