// What the node is: CPU cores, memory, kernel, OS image and ids, read from the host (cAdvisor's
// MachineInfo in Kubernetes). `--cpu` and `--memory` override the capacity.

import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  /** Cores as a quantity string ("2", "500m"). */
  cpu: string;
  /** Bytes. */
  memoryBytes: number;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  /** Go's GOARCH names: amd64, arm64. */
  architecture: string;
  machineID: string;
  bootID: string;
}

function readTrimmed(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const text = readTrimmed('/etc/os-release');
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? `${os.type()} ${os.release()}`;
}

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export function readMachineInfo(): MachineInfo {
  return {
    cpu: String(os.cpus().length || 1),
    memoryBytes: os.totalmem(),
    kernelVersion: os.release(),
    osImage: osImage(),
    operatingSystem: os.platform(),
    architecture: GOARCH[process.arch] ?? process.arch,
    machineID: readTrimmed('/etc/machine-id'),
    bootID: readTrimmed('/proc/sys/kernel/random/boot_id'),
  };
}
