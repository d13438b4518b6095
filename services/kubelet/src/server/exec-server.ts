// The kubelet's gRPC `skiff.v1.Kubelet/Exec` (what Kubernetes' kubelet serves on /exec through
// the CRI streaming server): a bidirectional stream whose first message names the pod, container
// and command (`start`); later messages carry stdin bytes, a terminal resize, or the end of
// stdin (a half-close of the stream means the same). The answer streams the command's stdout and
// stderr and ends with `exit {exit_code}`. When the command cannot run (the pod is not on this
// node, the container does not run) the last message carries a Kubernetes Status instead
// (`exit {exit_code: 1, status_json}`). A missing executable is the command's own failure, as
// with Docker: exit 126 and the engine's message.

import type * as grpc from '@grpc/grpc-js';
import { ApiError, errors, type Pod } from '@skiff/api';
import type { ExecInputMessage, ExecOutputMessage, ExecStartMessage } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, LABEL_RESTART_COUNT, LABEL_ROLE, podSelectorLabels } from '../pod/labels.js';
import { RuntimeNotFoundError, RuntimeNotRunningError, type ContainerRuntime, type ExecSession } from '../runtime/runtime.js';

export interface ExecServerOptions {
  runtime: ContainerRuntime;
  node: string;
  /** A pod bound to this node, from the kubelet's cache. */
  getPod(namespace: string, name: string): Readonly<Pod> | undefined;
  log: Logger;
}

/** The exit code sent with a Status: the command never ran. */
export const EXEC_ERROR_EXIT_CODE = 1;

/** The running container an exec is about (the pod's only container when none is named). */
export async function findExecContainer(o: ExecServerOptions, start: ExecStartMessage): Promise<{ id: string; container: string }> {
  const namespace = start.namespace || 'default';
  const pod = o.getPod(namespace, start.name);
  if (!pod || (start.pod_uid !== '' && pod.metadata.uid !== start.pod_uid)) throw errors.notFound('pods', start.name);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (start.command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  let name = start.container;
  if (!name) {
    const names = pod.spec.containers.map((c) => c.name);
    if (names.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${start.name}, choose one of: [${names.join(' ')}]`);
    name = names[0] ?? '';
  }
  if (![...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) => c.name === name)) {
    throw errors.badRequest(`container ${name} is not valid for pod ${start.name}`);
  }
  const listed = await o.runtime.listContainers({
    ...podSelectorLabels(o.node, namespace, start.name),
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_CONTAINER_NAME]: name,
  });
  const attempt = (labels: Record<string, string>): number => Number(labels[LABEL_RESTART_COUNT] ?? '0') || 0;
  const running = listed.filter((c) => c.labels[LABEL_ROLE] !== 'infra' && c.state === 'running').sort((a, b) => attempt(b.labels) - attempt(a.labels));
  const target = running[0];
  if (!target) throw notRunning(name, start.name);
  return { id: target.id, container: name };
}

function notRunning(container: string, pod: string): ApiError {
  return errors.badRequest(`container ${container} in pod ${pod} is not running`);
}

export function execHandler(o: ExecServerOptions): grpc.handleBidiStreamingCall<ExecInputMessage, ExecOutputMessage> {
  return (call) => {
    let session: ExecSession | undefined;
    let start: ExecStartMessage | undefined;
    let cancelled = false;
    let finished = false;
    /** Input that came before the command started. */
    const early: ExecInputMessage[] = [];

    /** Input is applied in the order it was sent: a resize completes before later stdin is written. */
    let applied: Promise<void> = Promise.resolve();
    const apply = (s: ExecSession, m: ExecInputMessage): void => {
      applied = applied.then(async () => {
        if (m.input === 'stdin' && m.stdin) s.write(m.stdin);
        else if (m.input === 'resize' && m.resize) {
          await s.resize({ width: m.resize.width, height: m.resize.height }).catch((e: unknown) => o.log.debug({ err: errText(e) }, 'exec resize failed'));
        } else if (m.input === 'stdin_close') s.closeStdin();
      });
    };
    const end = (exitCode: number, status?: ApiError): void => {
      if (finished || cancelled) return;
      finished = true;
      call.write({ exit: { exit_code: exitCode, status_json: status ? JSON.stringify(status.toStatus()) : '' } });
      call.end();
    };
    /** Copies an output stream into the call, pausing it while the call's buffer is full. */
    const forward = (stream: NodeJS.ReadableStream, frame: (b: Buffer) => ExecOutputMessage): Promise<void> =>
      new Promise<void>((resolve) => {
        stream.on('data', (b: Buffer) => {
          if (cancelled || finished) return;
          if (!call.write(frame(b))) {
            stream.pause();
            call.once('drain', () => stream.resume());
          }
        });
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });

    const begin = async (s: ExecStartMessage): Promise<void> => {
      let container = s.container;
      try {
        const target = await findExecContainer(o, s);
        container = target.container;
        if (cancelled) return;
        session = await o.runtime.exec(target.id, { cmd: s.command, stdin: s.stdin, tty: s.tty });
        if (cancelled) {
          session.close();
          return;
        }
        for (const m of early.splice(0)) apply(session, m);
        const outputs = Promise.all([forward(session.stdout, (b) => ({ stdout: b })), forward(session.stderr, (b) => ({ stderr: b }))]);
        const [code] = await Promise.all([session.exitCode, outputs]);
        end(code);
      } catch (e) {
        if (cancelled) return;
        let status: ApiError;
        if (e instanceof ApiError) status = e;
        else if (e instanceof RuntimeNotRunningError || e instanceof RuntimeNotFoundError) status = notRunning(container, s.name);
        else {
          o.log.warn({ pod: `${s.namespace}/${s.name}`, container: s.container, err: errText(e) }, 'exec failed');
          status = errors.internal(errText(e));
        }
        end(EXEC_ERROR_EXIT_CODE, status);
      }
    };

    call.on('data', (m: ExecInputMessage) => {
      if (!start) {
        if (m.input !== 'start' || !m.start) {
          end(EXEC_ERROR_EXIT_CODE, errors.badRequest('the first message of an exec must be start'));
          return;
        }
        start = m.start;
        void begin(start);
        return;
      }
      if (session) apply(session, m);
      else early.push(m);
    });
    // The caller half-closed the stream: no more input.
    call.on('end', () => {
      if (!start) end(EXEC_ERROR_EXIT_CODE, errors.badRequest('the first message of an exec must be start'));
      else if (session) apply(session, { input: 'stdin_close', stdin_close: true });
      else early.push({ input: 'stdin_close', stdin_close: true });
    });
    call.on('cancelled', () => {
      cancelled = true;
      session?.close();
    });
    call.on('error', () => {
      cancelled = true;
      session?.close();
    });
  };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
