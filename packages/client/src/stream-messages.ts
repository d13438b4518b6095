// The messages of the streaming calls the apiserver forwards to a kubelet (`Logs`/`ContainerLogs`
// and `Exec` in proto/skiff/v1/api.proto), as @grpc/proto-loader delivers them (keepCase,
// `oneofs: true`: the `input` / `output` field names the member that is set). For the apiserver,
// which forwards them, and the kubelet, which serves them.

/** `Resources.Logs`; the kubelet's `ContainerLogs` adds the pod's uid. */
export interface LogRequestMessage {
  namespace: string;
  name: string;
  container: string;
  follow: boolean;
  tail_lines: number;
  previous: boolean;
  timestamps: boolean;
  /** PodLogOptions.sinceSeconds; 0 (or absent, from an older sender): not set. */
  since_seconds?: number;
  /** PodLogOptions.sinceTime, RFC 3339; '' (or absent): not set. */
  since_time?: string;
}

export interface ContainerLogRequestMessage extends LogRequestMessage {
  pod_uid: string;
}

export interface LogChunkMessage {
  data: Buffer;
}

export interface ExecStartMessage {
  namespace: string;
  name: string;
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
  /** Set by the apiserver when it forwards to the kubelet. */
  pod_uid: string;
}

export interface ExecInputMessage {
  input?: 'start' | 'stdin' | 'resize' | 'stdin_close';
  start?: ExecStartMessage;
  stdin?: Buffer;
  resize?: { width: number; height: number };
  stdin_close?: boolean;
}

export interface ExecOutputMessage {
  output?: 'stdout' | 'stderr' | 'exit';
  stdout?: Buffer;
  stderr?: Buffer;
  exit?: { exit_code: number; status_json: string };
}

/** `Kubelet.PortForward`: one forwarded connection to a port of a pod. */
export interface PortForwardStartMessage {
  namespace: string;
  name: string;
  pod_uid: string;
  port: number;
}

export interface PortForwardInputMessage {
  input?: 'start' | 'data' | 'close';
  start?: PortForwardStartMessage;
  data?: Buffer;
  close?: boolean;
}

export interface PortForwardOutputMessage {
  output?: 'data' | 'error';
  data?: Buffer;
  error?: string;
}
