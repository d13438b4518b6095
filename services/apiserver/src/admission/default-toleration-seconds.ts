// DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds): a new pod that does not
// tolerate node.kubernetes.io/not-ready and node.kubernetes.io/unreachable (NoExecute) gets a
// toleration of each for a while (300 s by default), so its pods are evicted from a failed node
// after that long rather than at once.

import type { Pod, Toleration } from '@skiff/api';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

function tolerates(tolerations: readonly Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  constructor(
    private readonly notReadySeconds: number,
    private readonly unreachableSeconds: number,
  ) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== 'CREATE' || a.info.resource !== 'pods' || a.info.group !== '') return;
    const pod = a.object as Pod;
    if (!pod.spec || typeof pod.spec !== 'object') return;
    const tolerations = pod.spec.tolerations ?? [];
    const added: Toleration[] = [];
    if (!tolerates(tolerations, TAINT_NODE_NOT_READY)) {
      added.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.notReadySeconds });
    }
    if (!tolerates(tolerations, TAINT_NODE_UNREACHABLE)) {
      added.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: this.unreachableSeconds });
    }
    if (added.length > 0) pod.spec.tolerations = [...tolerations, ...added];
  }
}
