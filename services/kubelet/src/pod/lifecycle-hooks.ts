// Container lifecycle hooks (Kubernetes' pkg/kubelet/lifecycle/handlers.go): `postStart` runs
// right after a container started, `preStop` before it is stopped (deletion, a failed liveness
// probe, a changed spec). A handler is `exec` (a command in the container: exit 0 succeeds),
// `httpGet` (to the pod's IP; only a failed connection fails, as in Kubernetes, not the status
// code) or `sleep`; `tcpSocket` is accepted by the API but cannot run, as in Kubernetes. The
// failure messages are Kubernetes': `Exec lifecycle hook ([sh -c exit 1]) for Container "web" in
// Pod "web-1_default(uid)" failed - error: command 'sh -c exit 1' exited with 1: , message: ""`.

import type { Container, LifecycleHandler, Pod } from '@skiff/api';
import type { Clock } from '@skiff/machinery';
import { handlerUrl, httpGet, resolvePort } from '../probes/handlers.js';
import { runInContainer } from '../runtime/run-in-container.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { podRef } from './pod-actions.js';

export const LIFECYCLE_USER_AGENT = 'kube-lifecycle/1.32';

export type HookOutcome = { ok: true } | { ok: false; message: string; timedOut: boolean };

export interface HookTarget {
  pod: Readonly<Pod>;
  container: Readonly<Container>;
  containerId: string;
  /** The pod's IP (asked for only by an httpGet handler without a host). */
  podIP: () => Promise<string | undefined>;
}

export class HookRunner {
  constructor(private readonly o: { runtime: ContainerRuntime; clock: Clock }) {}

  /** Runs a handler for at most `timeoutMs`; never throws. */
  async run(handler: Readonly<LifecycleHandler>, t: HookTarget, timeoutMs: number): Promise<HookOutcome> {
    const where = `for Container "${t.container.name}" in Pod "${podRef(t.pod)}"`;
    if (handler.exec) {
      const cmd = handler.exec.command;
      const what = `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error:`;
      try {
        const r = await runInContainer(this.o.runtime, t.containerId, cmd, { clock: this.o.clock, timeoutMs });
        if (r.timedOut) return { ok: false, timedOut: true, message: `${what} command '${cmd.join(' ')}' timed out, message: ${JSON.stringify(r.output)}` };
        if (r.exitCode === 0) return { ok: true };
        return { ok: false, timedOut: false, message: `${what} command '${cmd.join(' ')}' exited with ${r.exitCode ?? -1}: , message: ${JSON.stringify(r.output)}` };
      } catch (e) {
        return { ok: false, timedOut: false, message: `${what} ${e instanceof Error ? e.message : String(e)}, message: ""` };
      }
    }
    if (handler.httpGet) {
      const g = handler.httpGet;
      const what = `HTTP lifecycle hook (${g.path ?? ''}) ${where} failed - error:`;
      try {
        const host = g.host ?? (await t.podIP());
        if (!host) throw new Error('the pod has no IP address');
        const url = handlerUrl(g.scheme, host, resolvePort(g.port, t.container), g.path);
        const r = await httpGet(url, { headers: g.httpHeaders ?? [], timeoutMs, clock: this.o.clock, userAgent: LIFECYCLE_USER_AGENT });
        // Any answer will do: only a request that got none fails.
        if (r.statusCode !== undefined) return { ok: true };
        return { ok: false, timedOut: r.output.includes('Client.Timeout exceeded'), message: `${what} ${r.output}` };
      } catch (e) {
        return { ok: false, timedOut: false, message: `${what} ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    if (handler.sleep) {
      const ms = Math.max(0, handler.sleep.seconds) * 1000;
      await this.o.clock.sleep(Math.min(ms, timeoutMs));
      return ms > timeoutMs ? { ok: false, timedOut: true, message: `Sleep lifecycle hook (${handler.sleep.seconds}) ${where} timed out` } : { ok: true };
    }
    const kind = handler.tcpSocket ? 'tcpSocket is not supported as a lifecycle handler' : 'no exec, httpGet or sleep';
    return { ok: false, timedOut: false, message: `Cannot run handler: invalid handler: ${kind}` };
  }
}
