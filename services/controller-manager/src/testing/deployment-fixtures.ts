// Plain Deployments and the ReplicaSets a Deployment owns, in the shapes the apiserver returns,
// and a small in-memory "cluster" that applies a plan the way the API and the ReplicaSet controller
// would, so rollouts can be stepped through without either.

import { clone, type Deployment, type DeploymentSpec, type DeploymentStatus, type Pod, type ReplicaSet } from '@skiff/api';
import { controllerRefForDeployment, planDeployment, type DeploymentPlan } from '../controllers/deployment/plan.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL } from '../controllers/deployment/pod-template-hash.js';
import { REVISION_ANNOTATION } from '../controllers/deployment/replica-sets.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export interface DeploymentOptions {
  name?: string;
  replicas?: number;
  image?: string;
  strategy?: DeploymentSpec['strategy'];
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  paused?: boolean;
  generation?: number;
  annotations?: Record<string, string>;
  status?: DeploymentStatus;
}

export function makeDeployment(o: DeploymentOptions = {}): Deployment {
  const name = o.name ?? 'web';
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `deploy-uid-${name}`, resourceVersion: '1', generation: o.generation ?? 1, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: o.image ?? 'skiff/demo-web:v1' }] } },
    },
    status: o.status ?? {},
  };
  if (o.strategy) d.spec.strategy = o.strategy;
  if (o.maxSurge !== undefined || o.maxUnavailable !== undefined) {
    d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? 0, maxUnavailable: o.maxUnavailable ?? 0 } };
  }
  if (o.revisionHistoryLimit !== undefined) d.spec.revisionHistoryLimit = o.revisionHistoryLimit;
  if (o.progressDeadlineSeconds !== undefined) d.spec.progressDeadlineSeconds = o.progressDeadlineSeconds;
  if (o.minReadySeconds !== undefined) d.spec.minReadySeconds = o.minReadySeconds;
  if (o.paused !== undefined) d.spec.paused = o.paused;
  if (o.annotations) d.metadata.annotations = { ...o.annotations };
  return d;
}

/** The same Deployment with another image (a new template), generation bumped. */
export function withImage(d: Deployment, image: string): Deployment {
  const c = clone(d);
  const container = c.spec.template.spec.containers[0];
  if (container) container.image = image;
  c.metadata.generation = (c.metadata.generation ?? 1) + 1;
  return c;
}

export interface OwnedRsOptions {
  image?: string;
  replicas: number;
  /** status.replicas (default: replicas). */
  actual?: number;
  /** status.availableReplicas (default: actual). */
  available?: number;
  revision?: number;
  created?: string;
  desired?: number;
  max?: number;
  generation?: number;
  observedGeneration?: number;
}

/** An RS as the Deployment controller creates it for `d` with the given image, and its status. */
export function ownedRs(d: Deployment, o: OwnedRsOptions): ReplicaSet {
  const template = clone(d.spec.template);
  const container = template.spec.containers[0];
  if (o.image && container) container.image = o.image;
  const hash = computeHash(template);
  const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
  template.metadata = { ...template.metadata, labels };
  const actual = o.actual ?? o.replicas;
  const generation = o.generation ?? 1;
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name ?? ''}-${hash}`,
      namespace: 'default',
      uid: `rs-uid-${hash}`,
      resourceVersion: '10',
      generation,
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      labels: { ...labels },
      annotations: {},
      ownerReferences: [controllerRefForDeployment(d)],
    },
    spec: { replicas: o.replicas, minReadySeconds: 0, selector: { matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } }, template },
    status: { replicas: actual, readyReplicas: o.available ?? actual, availableReplicas: o.available ?? actual, observedGeneration: o.observedGeneration ?? generation },
  };
  const a = rs.metadata.annotations ?? {};
  if (o.revision !== undefined) a[REVISION_ANNOTATION] = String(o.revision);
  if (o.desired !== undefined) a['deployment.kubernetes.io/desired-replicas'] = String(o.desired);
  if (o.max !== undefined) a['deployment.kubernetes.io/max-replicas'] = String(o.max);
  return rs;
}

/**
 * A Deployment and its ReplicaSets held in memory: `sync()` plans and applies the plan as the API
 * would (creates get a uid, status is written, the revision annotation set); the ReplicaSet
 * controller is modelled by `settle()` (status.replicas follows spec at once, scaling down removes
 * unavailable pods first) and kubelets by `readyOne()` (one pod becomes available).
 */
export class SimulatedCluster {
  d: Deployment;
  rss: ReplicaSet[] = [];
  now = T0;
  readonly plans: DeploymentPlan[] = [];
  readonly events: string[] = [];
  private uid = 0;

  constructor(d: Deployment, rss: ReplicaSet[] = []) {
    this.d = clone(d);
    this.rss = rss.map((r) => clone(r));
  }

  sync(pods: ReadonlyMap<string, readonly Readonly<Pod>[]> = new Map()): DeploymentPlan {
    const plan = planDeployment({ deployment: this.d, replicaSets: this.rss, podsByReplicaSet: pods, now: this.now });
    this.plans.push(plan);
    for (const a of plan.actions) {
      const name = a.rs.metadata.name ?? '';
      if (a.op === 'create') {
        const rs = clone(a.rs);
        rs.metadata.uid = `sim-uid-${++this.uid}`;
        rs.metadata.creationTimestamp = new Date(this.now + this.uid).toISOString().replace(/\.\d{3}Z$/, 'Z');
        rs.metadata.generation = 1;
        rs.status = { replicas: 0, availableReplicas: 0, readyReplicas: 0, observedGeneration: 0 };
        this.rss.push(rs);
        if ((rs.spec.replicas ?? 0) > 0) this.events.push(`Scaled up replica set ${name} from 0 to ${rs.spec.replicas ?? 0}`);
      } else if (a.op === 'update') {
        const i = this.rss.findIndex((r) => r.metadata.name === name);
        const prev = this.rss[i];
        if (!prev) throw new Error(`update of unknown RS ${name}`);
        const next = clone(a.rs);
        next.status = prev.status ?? { replicas: 0 };
        if (prev.spec.replicas !== next.spec.replicas) next.metadata.generation = (prev.metadata.generation ?? 1) + 1;
        this.rss[i] = next;
        if (a.scaled) this.events.push(`Scaled ${a.scaled.to > a.scaled.from ? 'up' : 'down'} replica set ${name} from ${a.scaled.from} to ${a.scaled.to}`);
      } else {
        this.rss = this.rss.filter((r) => r.metadata.name !== name);
      }
    }
    if (plan.status) this.d.status = clone(plan.status);
    if (plan.revision) this.d.metadata.annotations = { ...this.d.metadata.annotations, [REVISION_ANNOTATION]: plan.revision };
    return plan;
  }

  /** The ReplicaSet controller catches up: pods follow spec.replicas (unavailable ones deleted first). */
  settle(): void {
    for (const rs of this.rss) {
      const want = rs.spec.replicas ?? 1;
      const st = rs.status ?? { replicas: 0 };
      let available = st.availableReplicas ?? 0;
      if (want < st.replicas) available = Math.min(available, want);
      rs.status = { ...st, replicas: want, availableReplicas: available, readyReplicas: available, observedGeneration: rs.metadata.generation ?? 1 };
    }
  }

  /** One not-yet-available pod of the named RS (the newest RS by default) becomes available. */
  readyOne(name?: string): boolean {
    const rs = name ? this.rs(name) : [...this.rss].reverse().find((r) => (r.status?.availableReplicas ?? 0) < (r.status?.replicas ?? 0));
    if (!rs?.status || (rs.status.availableReplicas ?? 0) >= rs.status.replicas) return false;
    rs.status.availableReplicas = (rs.status.availableReplicas ?? 0) + 1;
    rs.status.readyReplicas = rs.status.availableReplicas;
    return true;
  }

  /** Syncs and settles until the Deployment controller has nothing more to do. */
  converge(maxRounds = 50): void {
    for (let i = 0; i < maxRounds; i++) {
      const plan = this.sync();
      this.settle();
      if (plan.actions.length === 0 && !plan.status && !plan.revision) return;
    }
    throw new Error('the Deployment controller did not converge');
  }

  rs(name: string): ReplicaSet | undefined {
    return this.rss.find((r) => r.metadata.name === name);
  }

  /** The RS running `image`. */
  rsFor(image: string): ReplicaSet | undefined {
    return this.rss.find((r) => r.spec.template.spec.containers[0]?.image === image);
  }

  pods(): number {
    return this.rss.reduce((n, r) => n + (r.status?.replicas ?? 0), 0);
  }

  available(): number {
    return this.rss.reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0);
  }

  setImage(image: string): void {
    this.d = withImage(this.d, image);
  }

  scale(replicas: number): void {
    this.d = { ...this.d, metadata: { ...this.d.metadata, generation: (this.d.metadata.generation ?? 1) + 1 }, spec: { ...this.d.spec, replicas } };
  }
}
