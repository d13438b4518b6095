// The selector and pod template of a workload (ReplicaSet, Deployment), after Kubernetes'
// ValidateReplicaSetSpec / ValidateDeploymentSpec selector checks and
// ValidatePodTemplateSpecForReplicaSet (pkg/apis/apps/validation): a required, non-empty, valid
// selector that matches the template's labels, and a template that is a valid pod with
// restartPolicy Always.

import { selectorFromLabelSelector, type FieldError, type LabelSelector, type PodTemplateSpec } from '@skiff/api';
import { fe } from './field-errors.js';
import { validateAnnotations, validateLabelSelector, validateLabels } from './meta.js';
import { validatePodSpec } from './pod-spec.js';

export function validateSelectorAndTemplate(spec: { selector?: LabelSelector; template?: PodTemplateSpec }, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  let selectorUsable = false;
  if (!sel) errs.push(fe.required(`${path}.selector`));
  else {
    const selErrs = validateLabelSelector(sel, `${path}.selector`);
    errs.push(...selErrs);
    const empty = Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0;
    if (empty) errs.push(fe.invalid(`${path}.selector`, sel, 'empty selector is invalid for deployment'));
    selectorUsable = selErrs.length === 0 && !empty;
  }
  const tpl = spec.template;
  if (!tpl) return [...errs, fe.required(`${path}.template`)];
  const labels = tpl.metadata?.labels ?? {};
  if (sel && selectorUsable && !selectorFromLabelSelector(sel).matches(labels)) {
    errs.push(fe.invalid(`${path}.template.metadata.labels`, labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(tpl.metadata?.labels, `${path}.template.metadata.labels`));
  errs.push(...validateAnnotations(tpl.metadata?.annotations, `${path}.template.metadata.annotations`));
  errs.push(...validatePodSpec(tpl.spec, `${path}.template.spec`));
  const rp = tpl.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(fe.notSupported(`${path}.template.spec.restartPolicy`, rp, ['Always']));
  return errs;
}
