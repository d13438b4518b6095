// Runs one probe of one container once (Kubernetes' prober.go): exec in the container (exit 0
// succeeds; a timeout fails), an HTTP GET to the pod's IP (200–399 succeeds), or a TCP connect
// to it. A failure is recorded as a Warning event `Unhealthy` (`Liveness probe failed: HTTP probe
// failed with statuscode: 500`); a probe that cannot run at all (no such port, the container is
// gone) is an error: an event, and `unknown`, which leaves the last result standing.

import type { Container, Pod } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { KubeletMetrics } from '../metrics.js';
import { podRef } from '../pod/pod-actions.js';
import type { EventSink } from '../pod/pod-syncer.js';
import { runInContainer } from '../runtime/run-in-container.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { handlerUrl, httpGet, resolvePort, tcpConnect, type Outcome } from './handlers.js';
import { probeOf, probeSettings, probeTitle, type ProbeResult, type ProbeType } from './results.js';

/** Matches the apiserver's version (v1.32.0-skiff), as kubelets send `kube-probe/<major>.<minor>`. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';

export interface ProbeTarget {
  pod: Readonly<Pod>;
  container: Readonly<Container>;
  /** The runtime's id of the container instance (without `docker://`). */
  containerId: string;
  podIP: string | undefined;
}

/** What a probe worker needs: the real Prober, or a scripted one in tests. */
export interface ContainerProber {
  probe(type: ProbeType, target: ProbeTarget): Promise<ProbeResult>;
}

export interface ProberOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  events?: EventSink;
  log?: Logger;
  metrics?: KubeletMetrics;
}

export class Prober implements ContainerProber {
  constructor(private readonly o: ProberOptions) {}

  async probe(type: ProbeType, t: ProbeTarget): Promise<ProbeResult> {
    const spec = probeOf(t.container, type);
    if (!spec) return 'success';
    let result: ProbeResult;
    try {
      const outcome = await this.run(type, t);
      result = outcome.result;
      if (outcome.result === 'failure') this.event(t, `${probeTitle(type)} probe failed: ${outcome.output}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.o.log?.debug({ pod: `${t.pod.metadata.namespace}/${t.pod.metadata.name}`, container: t.container.name, probe: type, err: message }, 'probe errored');
      this.event(t, `${probeTitle(type)} probe errored and resulted in unknown state: ${message}`);
      result = 'unknown';
    }
    this.o.metrics?.proberProbeTotal.inc({
      probe_type: probeTitle(type),
      result: result === 'success' ? 'successful' : result === 'failure' ? 'failed' : 'unknown',
      container: t.container.name,
      pod: t.pod.metadata.name ?? '',
      namespace: t.pod.metadata.namespace ?? '',
      pod_uid: t.pod.metadata.uid ?? '',
    });
    return result;
  }

  private async run(type: ProbeType, t: ProbeTarget): Promise<Outcome> {
    const spec = probeOf(t.container, type);
    if (!spec) return { result: 'success', output: '' };
    const { timeoutMs } = probeSettings(spec, type);
    const clock = this.o.clock;
    if (spec.exec) {
      const cmd = spec.exec.command;
      const r = await runInContainer(this.o.runtime, t.containerId, cmd, { clock, timeoutMs });
      if (r.timedOut) return { result: 'failure', output: `command "${cmd.join(' ')}" timed out` };
      return { result: r.exitCode === 0 ? 'success' : 'failure', output: r.output };
    }
    if (spec.httpGet) {
      const g = spec.httpGet;
      const url = handlerUrl(g.scheme, hostOf(g.host, t), resolvePort(g.port, t.container), g.path);
      return httpGet(url, { headers: g.httpHeaders ?? [], timeoutMs, clock, userAgent: PROBE_USER_AGENT });
    }
    if (spec.tcpSocket) {
      return tcpConnect(hostOf(spec.tcpSocket.host, t), resolvePort(spec.tcpSocket.port, t.container), { timeoutMs, clock });
    }
    throw new Error(`missing probe handler for ${podRef(t.pod)}:${t.container.name}`);
  }

  private event(t: ProbeTarget, message: string): void {
    this.o.events?.record(t.pod, 'Warning', 'Unhealthy', message);
  }
}

/** The spec's host, else the pod's IP. */
function hostOf(host: string | undefined, t: ProbeTarget): string {
  const h = host ?? t.podIP;
  if (!h) throw new Error('the pod has no IP address yet');
  return h;
}
