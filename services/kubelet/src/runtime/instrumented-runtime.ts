// Wraps a ContainerRuntime to count and time every operation (Kubernetes'
// instrumented_services.go): kubelet_runtime_operations_total, ..._errors_total, ..._duration_seconds.

import type { KubeletMetrics } from '../metrics.js';
import type { ContainerDetails, ContainerRuntime, ContainerSpec, ContainerSummary, ExecOptions, ExecSession, LogOptions, NetworkInfo, NetworkSpec, RuntimeEvent, RuntimeVersion } from './runtime.js';

export class InstrumentedRuntime implements ContainerRuntime {
  constructor(
    private readonly inner: ContainerRuntime,
    private readonly metrics: KubeletMetrics,
  ) {}

  private async op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.metrics.runtimeOperations.inc({ operation_type: name });
    const end = this.metrics.runtimeOperationsDuration.startTimer({ operation_type: name });
    try {
      return await fn();
    } catch (e) {
      this.metrics.runtimeOperationsErrors.inc({ operation_type: name });
      throw e;
    } finally {
      end();
    }
  }

  version(): Promise<RuntimeVersion> {
    return this.op('version', () => this.inner.version());
  }
  ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    return this.op('ensure_network', () => this.inner.ensureNetwork(spec));
  }
  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    return this.op('list_networks', () => this.inner.listNetworks(labels));
  }
  removeNetwork(name: string): Promise<void> {
    return this.op('remove_network', () => this.inner.removeNetwork(name));
  }
  imageId(image: string): Promise<string | undefined> {
    return this.op('image_status', () => this.inner.imageId(image));
  }
  pullImage(image: string): Promise<void> {
    return this.op('pull_image', () => this.inner.pullImage(image));
  }
  createContainer(spec: ContainerSpec): Promise<string> {
    return this.op('create_container', () => this.inner.createContainer(spec));
  }
  startContainer(id: string): Promise<void> {
    return this.op('start_container', () => this.inner.startContainer(id));
  }
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.op('stop_container', () => this.inner.stopContainer(id, timeoutSeconds));
  }
  killContainer(id: string, signal?: string): Promise<void> {
    return this.op('kill_container', () => this.inner.killContainer(id, signal));
  }
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void> {
    return this.op('remove_container', () => this.inner.removeContainer(id, opts));
  }
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return this.op('list_containers', () => this.inner.listContainers(labels));
  }
  inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    return this.op('container_status', () => this.inner.inspectContainer(id));
  }
  logs(id: string, opts?: LogOptions): AsyncIterable<Buffer> {
    this.metrics.runtimeOperations.inc({ operation_type: 'container_logs' });
    return this.inner.logs(id, opts);
  }
  events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    this.metrics.runtimeOperations.inc({ operation_type: 'events' });
    return this.inner.events(labels, signal);
  }
  exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    return this.op('exec', () => this.inner.exec(id, opts));
  }
}
