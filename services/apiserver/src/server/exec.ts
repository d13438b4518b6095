// The pods/exec subresource: `Resources.Exec` is a bidirectional stream the apiserver forwards to
// the kubelet of the pod's node (`Kubelet.Exec`, found as for logs: kubelet-target.ts). The first
// input names the pod, container and command; the apiserver checks them (Kubernetes' messages),
// adds the pod's uid and passes that start on, then relays stdin, resizes and the end of stdin one
// way and stdout, stderr and the final exit the other. Problems before the command runs end the
// call with a Status (as every other call); the kubelet reports a command that could not run in
// the exit frame.

import * as grpc from '@grpc/grpc-js';
import { errors, type ContainerStatus, type Pod } from '@skiff/api';
import { fromGrpcError, toGrpcError, type ExecInputMessage, type ExecOutputMessage, type ExecStartMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Registry } from '../registry/registry.js';
import { kubeletClient, resolveKubeletTarget } from './kubelet-target.js';

/** The input to send on: only the member that is set. */
function forwardable(msg: ExecInputMessage): Partial<ExecInputMessage> | undefined {
  switch (msg.input) {
    case 'stdin':
      return { stdin: msg.stdin ?? Buffer.alloc(0) };
    case 'resize':
      return { resize: msg.resize ?? { width: 0, height: 0 } };
    case 'stdin_close':
      return { stdin_close: true };
    default:
      return undefined;
  }
}

function forwardableOutput(msg: ExecOutputMessage): Partial<ExecOutputMessage> | undefined {
  switch (msg.output) {
    case 'stdout':
      return { stdout: msg.stdout ?? Buffer.alloc(0) };
    case 'stderr':
      return { stderr: msg.stderr ?? Buffer.alloc(0) };
    case 'exit':
      return { exit: msg.exit ?? { exit_code: 0, status_json: '' } };
    default:
      return undefined;
  }
}

/** What must hold before a command can run in the container (Kubernetes' and kubectl's messages). */
export async function checkStart(registry: Registry, start: ExecStartMessage | undefined) {
  if (!start) throw errors.badRequest('the first message of an exec must be its start (pod, container and command)');
  if ((start.command ?? []).length === 0) throw errors.badRequest('you must specify at least one command for the container');
  const target = await resolveKubeletTarget(registry, start.namespace, start.name, start.container);
  const pod: Pod = target.pod;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const statuses: ContainerStatus[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  if (!statuses.find((s) => s.name === target.container)?.state?.running) {
    throw errors.badRequest(`unable to upgrade connection: container not found ("${target.container}")`);
  }
  return target;
}

/** Relays one exec; resolves when it is over, with the error it ended with, if any. */
export function forwardExec(call: grpc.ServerDuplexStream<ExecInputMessage, ExecOutputMessage>, registry: Registry, log: Logger): Promise<unknown> {
  return new Promise<unknown>((resolve) => {
    let finished = false;
    let upstream: grpc.ClientDuplexStream<Partial<ExecInputMessage>, ExecOutputMessage> | undefined;
    let client: grpc.Client | undefined;
    const early: Partial<ExecInputMessage>[] = [];
    let clientEnded = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      client?.close();
      if (err !== undefined) call.emit('error', toGrpcError(err));
      else if (!call.cancelled) call.end();
      resolve(err);
    };
    call.on('cancelled', () => {
      upstream?.cancel();
      finish();
    });
    call.on('error', () => finish());
    call.on('end', () => {
      clientEnded = true;
      upstream?.end();
    });
    let started = false;
    call.on('data', (msg: ExecInputMessage) => {
      if (!started) {
        started = true;
        void begin(msg.input === 'start' ? msg.start : undefined);
        return;
      }
      const fwd = forwardable(msg);
      if (!fwd) return;
      if (upstream) upstream.write(fwd);
      else early.push(fwd);
    });

    const begin = async (start: ExecStartMessage | undefined): Promise<void> => {
      let target;
      try {
        target = await checkStart(registry, start);
      } catch (e) {
        return finish(e);
      }
      if (finished || !start) return;
      const { pod, container, endpoint } = target;
      const kubelet = kubeletClient(endpoint);
      client = kubelet;
      const stream = (kubelet['Exec'] as () => grpc.ClientDuplexStream<Partial<ExecInputMessage>, ExecOutputMessage>).call(kubelet);
      upstream = stream;
      stream.on('data', (out: ExecOutputMessage) => {
        const fwd = forwardableOutput(out);
        if (fwd && !call.write(fwd)) {
          stream.pause();
          call.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => finish());
      stream.on('error', (e: grpc.ServiceError) => {
        if (e.code === grpc.status.CANCELLED && (call.cancelled || finished)) return finish();
        log.warn({ err: e.message, endpoint }, 'kubelet exec stream failed');
        finish(fromGrpcError(e, `kubelet ${endpoint}`));
      });
      stream.write({
        start: {
          namespace: pod.metadata.namespace ?? '',
          name: pod.metadata.name ?? '',
          container,
          command: start.command,
          stdin: start.stdin,
          tty: start.tty,
          pod_uid: pod.metadata.uid ?? '',
        },
      });
      for (const msg of early.splice(0)) stream.write(msg);
      if (clientEnded) stream.end();
    };
  });
}
