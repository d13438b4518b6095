// ResourceQuota (plugin/pkg/admission/resourcequota): a create in a namespace with quotas is
// refused when it would take any quota past its `spec.hard` (Forbidden: `exceeded quota: q,
// requested: requests.memory=2Gi, used: requests.memory=1Gi, limited: requests.memory=2Gi`), and
// a pod must state the requests and limits its namespace's quotas track. Skiff has no quota
// controller, so usage is recomputed here from the namespace's objects at each admission that
// concerns a quota, and written to every quota's status (so deletions show up lazily, at the next
// such admission). Admissions in one namespace are serialized, and what was admitted but is not
// stored yet is remembered for a few seconds, so concurrent creates cannot overshoot a quota.

import { isApiError, type Pod, type ResourceQuota } from '@skiff/api';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin, type AdmissionStores } from './admission.js';
import { CONSTRAINED, addUsage, amount, formatAmount, listedResource, missingResources, objectUsage, prettyPrint, type Usage } from './quota-usage.js';

/** How long an admitted object that has not shown up in storage still counts. */
const PENDING_TTL_MS = 5_000;
const STATUS_RETRIES = 5;

interface Pending {
  usage: Usage;
  at: number;
}

function hardAmounts(q: ResourceQuota): Usage {
  const hard: Usage = new Map();
  for (const [k, raw] of Object.entries(q.spec?.hard ?? {})) {
    const v = amount(k, raw);
    if (v !== undefined) hard.set(k, v);
  }
  return hard;
}

function isQuota(a: AdmissionAttributes): boolean {
  return a.info.group === '' && a.info.resource === 'resourcequotas';
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';
  /** Per namespace: admitted objects (by uid) not seen in storage yet. */
  private readonly pending = new Map<string, Map<string, Pending>>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly stores: AdmissionStores,
    private readonly now: () => Date,
  ) {}

  async validate(a: AdmissionAttributes): Promise<void> {
    if (a.subresource !== '' || !a.info.namespaced || !a.namespace) return;
    // Most writes concern no quota: they need not wait for the namespace's other admissions.
    if (!isQuota(a) && !(await this.tracked(a))) return;
    await this.serialized(a.namespace, async () => {
      // A new quota's own status first, while the admitted object is not pending yet.
      if (isQuota(a)) await this.setOwnStatus(a);
      if (a.operation === 'CREATE') await this.checkCreate(a);
    });
  }

  /** Runs `fn` after every earlier admission in the namespace has finished. */
  private async serialized(namespace: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.locks.get(namespace) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.locks.set(namespace, tail);
    await previous;
    try {
      await fn();
    } finally {
      release();
      if (this.locks.get(namespace) === tail) this.locks.delete(namespace);
    }
  }

  private async quotas(namespace: string): Promise<ResourceQuota[]> {
    return (await this.stores.store('resourcequotas').list({ namespace })).items as ResourceQuota[];
  }

  /** Whether a create counts toward any quota of its namespace. */
  private async tracked(a: AdmissionAttributes): Promise<boolean> {
    if (a.operation !== 'CREATE') return false;
    const requested = objectUsage(a.info, a.object, this.now());
    return (await this.quotas(a.namespace)).some((q) => [...hardAmounts(q).keys()].some((k) => requested.has(k)));
  }

  /** The namespace's current usage of `resources`: its stored objects plus those admitted but not stored yet. */
  private async usage(namespace: string, resources: ReadonlySet<string>): Promise<Usage> {
    const used: Usage = new Map();
    const seen = new Set<string>();
    const listed = new Set([...resources].map(listedResource).filter((r): r is string => r !== undefined));
    const now = this.now();
    for (const resource of listed) {
      let store;
      try {
        store = this.stores.store(resource);
      } catch (e) {
        if (isApiError(e, 'NotFound')) continue; // a kind Skiff does not serve has no objects
        throw e;
      }
      for (const obj of (await store.list({ namespace })).items) {
        seen.add(obj.metadata.uid ?? '');
        addUsage(used, objectUsage(store.info, obj, now));
      }
    }
    const pending = this.pending.get(namespace);
    for (const [uid, p] of pending ?? []) {
      if (seen.has(uid) || now.getTime() - p.at > PENDING_TTL_MS) pending?.delete(uid);
      else addUsage(used, p.usage);
    }
    for (const k of [...used.keys()]) if (!resources.has(k)) used.delete(k);
    return used;
  }

  private async checkCreate(a: AdmissionAttributes): Promise<void> {
    const requested = objectUsage(a.info, a.object, this.now());
    for (let attempt = 0; ; attempt++) {
      const quotas = await this.quotas(a.namespace);
      const tracked = quotas.filter((q) => [...hardAmounts(q).keys()].some((k) => requested.has(k)));
      if (tracked.length === 0) return;
      this.checkConstraints(a, tracked);
      const resources = new Set(quotas.flatMap((q) => [...hardAmounts(q).keys()]));
      const used = await this.usage(a.namespace, resources);
      for (const q of tracked) {
        const hard = hardAmounts(q);
        const exceeded = [...hard.keys()].filter((k) => requested.has(k) && (used.get(k) ?? 0) + (requested.get(k) ?? 0) > (hard.get(k) ?? 0));
        if (exceeded.length > 0) {
          const name = q.metadata.name ?? '';
          throw admissionForbidden(
            a,
            `exceeded quota: ${name}, requested: ${prettyPrint(requested, exceeded)}, used: ${prettyPrint(used, exceeded)}, limited: ${prettyPrint(hard, exceeded)}`,
          );
        }
      }
      if (a.dryRun) return;
      addUsage(used, requested);
      try {
        await this.writeStatuses(quotas, used);
      } catch (e) {
        if (isApiError(e, 'Conflict') && attempt + 1 < STATUS_RETRIES) continue;
        throw e;
      }
      const uid = a.object.metadata.uid ?? '';
      if (!this.pending.has(a.namespace)) this.pending.set(a.namespace, new Map());
      this.pending.get(a.namespace)?.set(uid, { usage: requested, at: this.now().getTime() });
      return;
    }
  }

  /** A pod must state the requests and limits its quotas track (`failed quota: q: must specify limits.cpu for: web`). */
  private checkConstraints(a: AdmissionAttributes, quotas: readonly ResourceQuota[]): void {
    if (a.info.group !== '' || a.info.resource !== 'pods') return;
    const pod = a.object as Pod;
    for (const q of quotas) {
      const required = new Set([...hardAmounts(q).keys()].filter((k) => CONSTRAINED.includes(k)));
      if (required.size === 0) continue;
      const missing = new Map<string, string[]>();
      for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
        for (const r of missingResources(c, required)) missing.set(r, [...(missing.get(r) ?? []), c.name]);
      }
      if (missing.size === 0) continue;
      const why = [...missing.keys()]
        .sort()
        .map((r) => `must specify ${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`)
        .join('; ');
      throw admissionForbidden(a, `failed quota: ${q.metadata.name ?? ''}: ${why}`);
    }
  }

  private statusOf(q: ResourceQuota, used: Usage): NonNullable<ResourceQuota['status']> {
    const hard = q.spec?.hard ?? {};
    const usedList: Record<string, string> = {};
    for (const k of Object.keys(hard)) if (amount(k, hard[k]) !== undefined) usedList[k] = formatAmount(k, used.get(k) ?? 0);
    return { hard: { ...hard }, used: usedList };
  }

  /** Writes each quota's status where it changed (a Conflict means another writer: the caller retries). */
  private async writeStatuses(quotas: readonly ResourceQuota[], used: Usage): Promise<void> {
    const store = this.stores.store('resourcequotas');
    for (const q of quotas) {
      const status = this.statusOf(q, used);
      if (JSON.stringify(status) === JSON.stringify(q.status ?? {})) continue;
      await store.update(q.metadata.namespace ?? '', q.metadata.name ?? '', { ...q, status }, { subresource: 'status' });
    }
  }

  /** A quota being created or changed gets its status now: its hard limits and what the namespace uses of them. */
  private async setOwnStatus(a: AdmissionAttributes): Promise<void> {
    const q = a.object as ResourceQuota;
    const resources = new Set(hardAmounts(q).keys());
    const used = await this.usage(a.namespace, resources);
    if (a.operation === 'CREATE') addUsage(used, objectUsage(a.info, a.object, this.now()));
    q.status = this.statusOf(q, used);
  }

  /** For tests and metrics: the uids admitted in a namespace but not yet seen stored. */
  pendingIn(namespace: string): string[] {
    return [...(this.pending.get(namespace)?.keys() ?? [])];
  }
}

