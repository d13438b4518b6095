// The ContainerRuntime over the Docker Engine API (dockerode 5). The only file in Skiff that talks
// to Docker. It never pulls unless asked to (pullImage), and it reports Docker's "no such ..."
// answers as RuntimeNotFoundError so callers need not know Docker's status codes.

import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import {
  RuntimeConflictError,
  RuntimeNotFoundError,
  RuntimeNotRunningError,
  type ExecOptions,
  type ExecSession,
  type ContainerDetails,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerSummary,
  type LogOptions,
  type NetworkInfo,
  type NetworkSpec,
  type RuntimeEvent,
  type RuntimeEventType,
  type RuntimeVersion,
} from './runtime.js';

export interface DockerRuntimeOptions {
  /** Unix socket path (default /var/run/docker.sock). */
  socketPath?: string;
}

interface DockerHttpError {
  statusCode?: number;
  message?: string;
  json?: { message?: string } | null;
}

function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? (e as DockerHttpError).statusCode : undefined;
}

/** Docker's own message ("No such image: x") rather than dockerode's wrapper text. */
function messageOf(e: unknown): string {
  const err = e as DockerHttpError;
  return err.json?.message ?? err.message ?? String(e);
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/** Docker's "0001-01-01T00:00:00Z" means "never". */
function dockerTime(t: string | undefined): string | undefined {
  return t === undefined || t.startsWith('0001-') ? undefined : t;
}

/** Milliseconds since the epoch as Docker's `since`: seconds with a nanosecond fraction. */
export function unixSeconds(ms: number): string {
  const t = Math.max(0, ms);
  const secs = Math.floor(t / 1000);
  const nanos = Math.min(999_999_999, Math.round((t - secs * 1000) * 1e6));
  return `${secs}.${String(nanos).padStart(9, '0')}`;
}

export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.docker = new Docker({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
  }

  async version(): Promise<RuntimeVersion> {
    const v = await this.docker.version();
    return { name: 'docker', version: v.Version, apiVersion: v.ApiVersion };
  }

  // ---- networks ----

  private async findNetwork(name: string): Promise<NetworkInfo | undefined> {
    // The name filter matches substrings: keep the exact match only.
    const nets = await this.docker.listNetworks({ filters: { name: [name] } });
    const n = nets.find((x) => x.Name === name);
    if (n === undefined) return undefined;
    // A listing leaves `Containers` empty; an inspect fills it.
    try {
      const info = (await this.docker.getNetwork(n.Id).inspect()) as Docker.NetworkInspectInfo;
      return { ...toNetworkInfo(info), containers: Object.keys(info.Containers ?? {}).length };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    const existing = await this.findNetwork(spec.name);
    if (existing) return existing;
    const ipam = spec.subnet !== undefined ? { Subnet: spec.subnet, ...(spec.gateway !== undefined ? { Gateway: spec.gateway } : {}) } : undefined;
    try {
      await this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: spec.labels,
        ...(ipam ? { IPAM: { Driver: 'default', Config: [ipam] } } : {}),
        ...(spec.options !== undefined ? { Options: spec.options } : {}),
      });
    } catch (e) {
      // Someone created it between our look and our create: fine.
      if (statusOf(e) !== 409) throw new Error(`creating network ${spec.name}: ${messageOf(e)}`);
    }
    const created = await this.findNetwork(spec.name);
    if (!created) throw new Error(`network ${spec.name} vanished after creation`);
    return created;
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    const nets = await this.docker.listNetworks({ filters: { label: labelFilters(labels) } });
    return nets.map(toNetworkInfo);
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (e) {
      if (statusOf(e) !== 404) throw new Error(`removing network ${name}: ${messageOf(e)}`);
    }
  }

  // ---- images ----

  async imageId(image: string): Promise<string | undefined> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return info.Id;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async pullImage(image: string): Promise<void> {
    const stream = await this.docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  // ---- containers ----

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        ...(spec.entrypoint !== undefined ? { Entrypoint: spec.entrypoint } : {}),
        ...(spec.cmd !== undefined ? { Cmd: spec.cmd } : {}),
        ...(spec.env !== undefined ? { Env: spec.env } : {}),
        ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.hostname !== undefined ? { Hostname: spec.hostname } : {}),
        Labels: spec.labels,
        HostConfig: {
          NetworkMode: spec.networkMode,
          Init: spec.init ?? false,
          ...(spec.nanoCpus !== undefined ? { NanoCpus: spec.nanoCpus } : {}),
          ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
          ...(spec.memorySwapBytes !== undefined ? { MemorySwap: spec.memorySwapBytes } : {}),
          ...(spec.cpuShares !== undefined ? { CpuShares: spec.cpuShares } : {}),
          ...(spec.mounts !== undefined && spec.mounts.length > 0
            ? { Mounts: spec.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false })) }
            : {}),
        },
      });
      return c.id;
    } catch (e) {
      const code = statusOf(e);
      if (code === 404) throw new RuntimeNotFoundError(messageOf(e));
      if (code === 409) throw new RuntimeConflictError(messageOf(e));
      throw new Error(`creating container ${spec.name}: ${messageOf(e)}`);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      const code = statusOf(e);
      if (code === 304) return; // already started
      if (code === 404) throw new RuntimeNotFoundError(messageOf(e));
      throw new Error(`starting container ${id}: ${messageOf(e)}`);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSeconds)) });
    } catch (e) {
      const code = statusOf(e);
      if (code === 304) return; // already stopped
      if (code === 404) throw new RuntimeNotFoundError(messageOf(e));
      throw new Error(`stopping container ${id}: ${messageOf(e)}`);
    }
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (e) {
      const code = statusOf(e);
      if (code === 404) throw new RuntimeNotFoundError(messageOf(e));
      if (code === 409) return; // not running
      throw new Error(`killing container ${id}: ${messageOf(e)}`);
    }
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: opts.force ?? false });
    } catch (e) {
      const code = statusOf(e);
      if (code === 404) return;
      // 409 "removal already in progress" ends the way we want.
      if (code === 409 && /already in progress/.test(messageOf(e))) return;
      throw new Error(`removing container ${id}: ${messageOf(e)}`);
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels ?? {},
      state: c.State as ContainerState,
      createdAt: c.Created * 1000,
    }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
    const networks = (info.NetworkSettings?.Networks ?? {}) as Record<string, { IPAddress?: string }>;
    const ip = Object.values(networks).map((n) => n.IPAddress ?? '').find((a) => a !== '');
    const startedAt = dockerTime(info.State.StartedAt);
    // Docker records StartedAt after the start call returns; a process that exits at once can have
    // a FinishedAt a little before it. A pod's status never shows a container finishing before it
    // started, so the earlier one is reported as the start.
    const rawFinishedAt = info.State.Running ? undefined : dockerTime(info.State.FinishedAt);
    const finishedAt = rawFinishedAt !== undefined && startedAt !== undefined && Date.parse(rawFinishedAt) < Date.parse(startedAt) ? startedAt : rawFinishedAt;
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      imageID: info.Image,
      labels: info.Config.Labels ?? {},
      state: info.State.Status as ContainerState,
      createdAt: Date.parse(info.Created),
      exitCode: info.State.ExitCode,
      oomKilled: info.State.OOMKilled,
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(info.State.Error ? { error: info.State.Error } : {}),
      ...(ip !== undefined ? { ipAddress: ip } : {}),
    };
  }

  async *logs(id: string, opts: LogOptions = {}): AsyncIterable<Buffer> {
    const container = this.docker.getContainer(id);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
      ...(opts.tail !== undefined && opts.tail >= 0 ? { tail: opts.tail } : {}),
      // Docker takes a Unix timestamp with fractional seconds ("1700000000.123456789").
      ...(opts.since !== undefined ? { since: unixSeconds(opts.since) } : {}),
    };
    let raw: NodeJS.ReadableStream;
    try {
      raw = opts.follow
        ? await container.logs({ ...base, follow: true })
        : Readable.from([await container.logs({ ...base, follow: false })]);
    } catch (e) {
      if (statusOf(e) === 404) throw new RuntimeNotFoundError(messageOf(e));
      throw e;
    }
    // Docker multiplexes stdout and stderr into 8-byte-header frames (no TTY): demultiplex both
    // into one stream, in order.
    const out = new PassThrough();
    this.docker.modem.demuxStream(raw, out, out);
    const finish = (): void => {
      out.end();
    };
    raw.on('end', finish);
    raw.on('close', finish);
    raw.on('error', (err: Error) => out.destroy(err));
    const onAbort = (): void => {
      (raw as Readable).destroy?.();
      out.end();
    };
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of out) yield chunk as Buffer;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      (raw as Readable).destroy?.();
    }
  }

  async *events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    if (signal.aborted) return;
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], event: ['start', 'die', 'oom'], label: labelFilters(labels) },
    })) as Readable;
    const onAbort = (): void => {
      stream.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let buffered = '';
    try {
      for await (const chunk of stream) {
        buffered += (chunk as Buffer).toString('utf8');
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          const ev = toRuntimeEvent(JSON.parse(line) as DockerEvent);
          if (ev) yield ev;
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
    if (!signal.aborted) throw new Error('the Docker event stream ended');
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    const tty = opts.tty ?? false;
    const stdin = opts.stdin ?? false;
    const fail = (e: unknown): never => {
      const code = statusOf(e);
      if (code === 404) throw new RuntimeNotFoundError(messageOf(e));
      if (code === 409) throw new RuntimeNotRunningError(messageOf(e));
      throw new Error(`exec in container ${id}: ${messageOf(e)}`);
    };
    const exec = await this.docker
      .getContainer(id)
      .exec({ Cmd: opts.cmd, AttachStdin: stdin, AttachStdout: true, AttachStderr: true, Tty: tty })
      .catch(fail);
    // A hijacked connection: stdin goes up it, and closing our side (a half-close) ends the
    // command's input; Docker closes it once the command ended and its output was sent.
    const stream = await exec.start({ hijack: true, stdin, Tty: tty }).catch(fail);
    const streamEnded = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    if (tty) {
      // A terminal has one output stream and no frame headers.
      stream.pipe(stdout);
      stderr.end();
    } else {
      this.docker.modem.demuxStream(stream, stdout, stderr);
      void streamEnded.then(() => {
        stdout.end();
        stderr.end();
      });
    }
    let onClose: (e: Error) => void = () => {};
    const closed = new Promise<never>((_, reject) => (onClose = reject));
    const exitCode = Promise.race([
      closed,
      (async () => {
        await streamEnded;
        // The stream can end a moment before Docker records the exit.
        for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
          const info = await exec.inspect();
          if (!info.Running) return info.ExitCode ?? -1;
          await new Promise((r) => setTimeout(r, wait));
        }
      })(),
    ]);
    exitCode.catch(() => {});
    return {
      stdout,
      stderr,
      exitCode,
      write: (data) => {
        if (stdin && !stream.writableEnded) stream.write(data);
      },
      closeStdin: () => {
        if (stdin && !stream.writableEnded) stream.end();
      },
      resize: async (size) => {
        if (!tty) return;
        await exec.resize({ h: size.height, w: size.width }).catch((e: unknown) => {
          // The command may have ended in the meantime.
          if (statusOf(e) !== 404 && statusOf(e) !== 409) throw new Error(`resizing exec in container ${id}: ${messageOf(e)}`);
        });
      },
      close: () => {
        onClose(new Error('the exec session was closed'));
        stream.destroy();
        stdout.end();
        stderr.end();
      },
    };
  }
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

const EVENT_TYPES = new Set<RuntimeEventType>(['start', 'die', 'oom']);

function toRuntimeEvent(ev: DockerEvent): RuntimeEvent | undefined {
  const action = (ev.Action ?? ev.status ?? '') as RuntimeEventType;
  if (!EVENT_TYPES.has(action)) return undefined;
  const attrs = { ...(ev.Actor?.Attributes ?? {}) };
  const exit = attrs['exitCode'];
  // Attributes mix labels with name/image/exitCode: keep what looks like a label.
  for (const k of ['name', 'image', 'exitCode', 'signal', 'execDuration']) delete attrs[k];
  return {
    type: action,
    id: ev.Actor?.ID ?? ev.id ?? '',
    labels: attrs,
    ...(exit !== undefined ? { exitCode: Number(exit) } : {}),
  };
}

function toNetworkInfo(n: Docker.NetworkInspectInfo): NetworkInfo {
  const subnet = n.IPAM?.Config?.[0]?.Subnet;
  const gateway = n.IPAM?.Config?.[0]?.Gateway;
  return {
    id: n.Id,
    name: n.Name,
    labels: n.Labels ?? {},
    ...(subnet !== undefined ? { subnet } : {}),
    ...(gateway !== undefined && gateway !== '' ? { gateway } : {}),
    options: { ...(n.Options ?? {}) },
  };
}
