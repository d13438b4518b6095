// Probe results per container instance (Kubernetes' prober/results), and a probe's settings with
// Kubernetes' defaults applied.

import type { Container, Probe } from '@skiff/api';

export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** `unknown`: the probe could not run (an error); the last result stands. */
export type ProbeResult = 'success' | 'failure' | 'unknown';

export const PROBE_TYPES: readonly ProbeType[] = ['startup', 'liveness', 'readiness'];

/** "Liveness", as Kubernetes' events name a probe. */
export function probeTitle(type: ProbeType): string {
  return `${type.charAt(0).toUpperCase()}${type.slice(1)}`;
}

export function probeOf(container: Readonly<Container>, type: ProbeType): Readonly<Probe> | undefined {
  return type === 'liveness' ? container.livenessProbe : type === 'readiness' ? container.readinessProbe : container.startupProbe;
}

export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

const positive = (n: number | undefined, fallback: number): number => (n !== undefined && Number.isFinite(n) && n > 0 ? n : fallback);

/** initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1, successThreshold 1 (always 1 for
 *  liveness and startup), failureThreshold 3. */
export function probeSettings(probe: Readonly<Probe>, type: ProbeType): ProbeSettings {
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: positive(probe.periodSeconds, 10) * 1000,
    timeoutMs: positive(probe.timeoutSeconds, 1) * 1000,
    successThreshold: type === 'readiness' ? positive(probe.successThreshold, 1) : 1,
    failureThreshold: positive(probe.failureThreshold, 3),
  };
}

/** The latest result of one kind of probe per container id. */
export class ResultsCache {
  private readonly byId = new Map<string, ProbeResult>();

  get(containerId: string): ProbeResult | undefined {
    return this.byId.get(containerId);
  }

  has(containerId: string): boolean {
    return this.byId.has(containerId);
  }

  /** True when this changed the result. */
  set(containerId: string, result: ProbeResult): boolean {
    if (this.byId.get(containerId) === result) return false;
    this.byId.set(containerId, result);
    return true;
  }

  remove(containerId: string): void {
    this.byId.delete(containerId);
  }

  size(): number {
    return this.byId.size;
  }
}
