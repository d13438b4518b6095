// Which Ingresses this controller serves, and the IngressClass it creates at start.
//
// After ingress-nginx (internal/ingress/controller/store/store.go GetIngressClass) and the
// Kubernetes docs (concepts/services-networking/ingress: #ingress-class, #deprecated-annotation,
// #default-ingress-class):
// 1. `spec.ingressClassName` set: served when that IngressClass exists and its
//    `spec.controller` is ours (`skiff.io/ingress-controller`).
// 2. else the deprecated annotation `kubernetes.io/ingress.class`: served when it equals our class
//    name (`--ingress-class`).
// 3. else (no class at all): served when one of our IngressClasses is marked default
//    (`ingressclass.kubernetes.io/is-default-class: "true"`).

import { ANNOTATION_DEFAULT_INGRESS_CLASS, isApiError, type Ingress, type IngressClass } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import type { Logger } from '@skiff/component';

export const CONTROLLER_NAME = 'skiff.io/ingress-controller';
export const ANNOTATION_INGRESS_CLASS = 'kubernetes.io/ingress.class';
export const DEFAULT_INGRESS_CLASS = 'skiff';

export interface ClassSelection {
  /** Our class name: the IngressClass we create and the value of the legacy annotation we accept. */
  className: string;
  controller: string;
}

/** Whether this controller serves the Ingress, given every IngressClass in the cluster. */
export function servedByUs(ing: Readonly<Ingress>, classes: readonly Readonly<IngressClass>[], sel: ClassSelection): boolean {
  const name = ing.spec?.ingressClassName;
  if (name) return classes.some((c) => c.metadata.name === name && c.spec?.controller === sel.controller);
  const annotation = ing.metadata.annotations?.[ANNOTATION_INGRESS_CLASS];
  if (annotation !== undefined) return annotation === sel.className;
  return classes.some((c) => c.spec?.controller === sel.controller && c.metadata.annotations?.[ANNOTATION_DEFAULT_INGRESS_CLASS] === 'true');
}

/** The IngressClass created at start when missing. */
export function ingressClassFor(sel: ClassSelection, isDefault: boolean): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name: sel.className,
      labels: { 'app.kubernetes.io/managed-by': 'skiff-ingress-controller' },
      ...(isDefault && { annotations: { [ANNOTATION_DEFAULT_INGRESS_CLASS]: 'true' } }),
    },
    spec: { controller: sel.controller },
  };
}

/**
 * Creates our IngressClass if it is missing. An existing one is left as it is (an administrator may
 * have changed its default annotation); one naming another controller is reported, not taken over.
 */
export async function ensureIngressClass(client: Pick<ApiInterface, 'get' | 'create'>, sel: ClassSelection, isDefault: boolean, log: Logger): Promise<void> {
  try {
    const existing = await client.get<IngressClass>('ingressclasses', '', sel.className);
    if (existing.spec?.controller !== sel.controller) {
      log.warn({ ingressClass: sel.className, controller: existing.spec?.controller }, 'IngressClass exists with another controller: Ingresses naming it are not served here');
    }
    return;
  } catch (e) {
    if (!isApiError(e, 'NotFound')) throw e;
  }
  try {
    await client.create('ingressclasses', ingressClassFor(sel, isDefault));
    log.info({ ingressClass: sel.className, default: isDefault }, 'created IngressClass');
  } catch (e) {
    if (!isApiError(e, 'AlreadyExists')) throw e;
  }
}
