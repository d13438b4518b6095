// What the kubelet needs of a container engine: Skiff's small CRI. Docker implements it
// (docker-runtime.ts), and so does an in-memory fake (fake-runtime.ts); one contract suite
// (runtime-contract.ts) holds both to the same behaviour.
//
// Containers and networks are addressed by Docker ids (or names, where Docker accepts either) and
// found again by their labels: the kubelet keeps no state of its own that a restart would lose.

/** A user-defined bridge network (one per node: `skiff-<node>`). */
export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
  /** CIDR; when absent the engine chooses one. */
  subnet?: string;
  /** The bridge's address in the subnet (default: the engine's choice, the subnet's first address). */
  gateway?: string;
  /** Driver options (Docker's `com.docker.network.bridge.*`). */
  options?: Record<string, string>;
}

export interface NetworkInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  subnet?: string;
  gateway?: string;
  /** Driver options as the engine reports them. */
  options?: Record<string, string>;
  /** Containers attached to it now (reported by ensureNetwork, not by listNetworks). */
  containers?: number;
}

/** A bind mount of a host path (file or directory) into a container. */
export interface ContainerMount {
  /** Absolute path on the host; it must exist. */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  /** Unique container name. */
  name: string;
  image: string;
  /** Replaces the image's ENTRYPOINT (Kubernetes `command`). */
  entrypoint?: string[];
  /** Replaces the image's CMD (Kubernetes `args`). */
  cmd?: string[];
  /** `NAME=value` pairs. */
  env?: string[];
  workingDir?: string;
  labels: Record<string, string>;
  /** A network name, or `container:<id>` to join another container's network namespace. */
  networkMode: string;
  /** Only for containers that own their network namespace. */
  hostname?: string;
  /** CPU limit in units of 1e-9 CPUs. */
  nanoCpus?: number;
  /** Memory limit in bytes. */
  memoryBytes?: number;
  /** Memory + swap limit in bytes (equal to `memoryBytes`: no swap, so exceeding the limit OOM-kills). */
  memorySwapBytes?: number;
  /** Relative CPU weight (cgroup cpu.shares), from the CPU request. */
  cpuShares?: number;
  /** Host paths bound into the container (volumes). */
  mounts?: ContainerMount[];
  /** Run an init process (tini) as PID 1 so SIGTERM reaches the program and stops are fast. */
  init?: boolean;
}

/** Docker's container states. */
export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What a listing says about a container (cheap: one call for many containers). */
export interface ContainerSummary {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  /** Milliseconds since the epoch (Docker reports whole seconds). */
  createdAt: number;
}

/** What an inspect says about one container. */
export interface ContainerDetails extends ContainerSummary {
  /** The image's id (`sha256:...`). */
  imageID: string;
  exitCode: number;
  oomKilled: boolean;
  /** RFC 3339; undefined when the container never started. */
  startedAt?: string;
  /** RFC 3339; undefined while it has not finished. */
  finishedAt?: string;
  /** The engine's error when the container failed to start (e.g. a missing executable). */
  error?: string;
  /** Its address on its own network (only for containers that own a network namespace). */
  ipAddress?: string;
}

export interface LogOptions {
  /** Last N lines only; undefined or negative: everything. */
  tail?: number;
  /** Keep streaming until the container stops or the signal aborts. */
  follow?: boolean;
  /** Prefix each line with its RFC 3339 (nanosecond) time, as `kubectl logs --timestamps`. */
  timestamps?: boolean;
  /** Only lines written at or after this time, in milliseconds since the epoch (fractions allowed);
   *  applied after `tail`, as Docker does. */
  since?: number;
  signal?: AbortSignal;
}

export type RuntimeEventType = 'start' | 'die' | 'oom';

export interface RuntimeEvent {
  type: RuntimeEventType;
  id: string;
  labels: Record<string, string>;
  /** For `die`. */
  exitCode?: number;
}

export interface RuntimeVersion {
  /** "docker" (or "fake"): the prefix of container ids in pod status (`docker://<id>`). */
  name: string;
  version: string;
  apiVersion: string;
}

/** Raised (or rejected with) when a container, image or network does not exist. */
export class RuntimeNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeNotFoundError';
  }
}

/** Raised when a name is already taken. */
export class RuntimeConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeConflictError';
  }
}

export function isRuntimeNotFound(e: unknown): e is RuntimeNotFoundError {
  return e instanceof RuntimeNotFoundError;
}

/** Raised when an operation needs a running container (exec) and the container is not running. */
export class RuntimeNotRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeNotRunningError';
  }
}

export interface TerminalSize {
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

export interface ExecOptions {
  /** argv, run without a shell (`docker exec`). */
  cmd: string[];
  /** Attach stdin: write with `session.write`, end with `session.closeStdin`. */
  stdin?: boolean;
  /** Allocate a terminal: stderr comes out on stdout, and `resize` applies. */
  tty?: boolean;
}

/** A command running in a container. Read both output streams (they end when the command does). */
export interface ExecSession {
  /** The command's stdout (with a terminal: everything it prints). Ends when the command ends. */
  readonly stdout: NodeJS.ReadableStream;
  /** The command's stderr (empty with a terminal). */
  readonly stderr: NodeJS.ReadableStream;
  /** Bytes for the command's stdin (only with `stdin`). */
  write(data: Buffer): void;
  /** End of input (with a terminal, a hang-up). */
  closeStdin(): void;
  /** The terminal's size (with `tty`; a no-op otherwise). */
  resize(size: TerminalSize): Promise<void>;
  /** The command's exit code once it ended; rejects after `close`. */
  readonly exitCode: Promise<number>;
  /** Abandons the session (the caller went away): the streams end, the command may go on running. */
  close(): void;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;

  /** Creates the network if no network of that name exists; returns it either way (an existing one
   *  as it is, whatever its subnet: the caller compares), with the number of attached containers. */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo>;
  /** Networks carrying all of these labels. */
  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]>;
  /** Idempotent: a missing network is not an error. */
  removeNetwork(name: string): Promise<void>;

  /** The image's id when it is present locally; undefined otherwise. Never pulls. */
  imageId(image: string): Promise<string | undefined>;
  /** Pulls from a registry (only when the kubelet has one configured). */
  pullImage(image: string): Promise<void>;

  /** Creates (does not start) a container; rejects with RuntimeNotFoundError for a missing image
   *  and RuntimeConflictError for a taken name. Returns its id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds`; resolves once it has stopped. Stopping a
   *  stopped container is not an error. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** Sends a signal (default SIGKILL), as `docker kill`. */
  killContainer(id: string, signal?: string): Promise<void>;
  /** Removes it (force: even when running). A missing container is not an error. */
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Every container (running or not) carrying all of these labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /** Undefined when the container does not exist. */
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;

  /** stdout and stderr interleaved, as chunks. With `follow`, ends when the container stops or
   *  the signal aborts. */
  logs(id: string, opts?: LogOptions): AsyncIterable<Buffer>;
  /** start/die/oom of containers carrying all of these labels, until the signal aborts. Throws
   *  when the engine's stream breaks (the caller reconnects). */
  events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /** Runs a command in a running container (`docker exec`); rejects with RuntimeNotFoundError or
   *  RuntimeNotRunningError. A missing executable is no error: the command exits 126 with the
   *  engine's message on stdout, as with Docker. */
  exec(id: string, opts: ExecOptions): Promise<ExecSession>;
}
