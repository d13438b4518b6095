// Flushing stale UDP conntrack entries (Kubernetes' pkg/proxy/conntrack): a UDP "connection" lives
// in the conntrack table as long as packets keep coming, so after an endpoint goes away a client
// would keep sending to it; and a Service that had no endpoint may have "black hole" entries. The
// `conntrack` binary (conntrack-tools) does the deleting; where it is not installed, the entries
// time out by themselves (30 s / 120 s) and kube-proxy says so once.

import { execFile } from 'node:child_process';

export interface Conntrack {
  /** Whether entries can be cleared at all. */
  available(): Promise<boolean>;
  /** UDP entries whose original destination is `ip` (a ClusterIP, external or LB IP). */
  clearUdpForIP(ip: string): Promise<void>;
  /** UDP entries to a NodePort. */
  clearUdpForPort(port: number): Promise<void>;
  /** UDP entries sent to `origDst` and DNATed to `endpointIP`. */
  clearUdpNat(origDst: string, endpointIP: string): Promise<void>;
  /** UDP entries to a NodePort DNATed to `endpointIP`. */
  clearUdpPortNat(port: number, endpointIP: string): Promise<void>;
}

export class ExecConntrack implements Conntrack {
  private present: Promise<boolean> | undefined;

  constructor(private readonly bin = 'conntrack') {}

  available(): Promise<boolean> {
    this.present ??= new Promise((resolve) => execFile(this.bin, ['--version'], (err) => resolve(!err)));
    return this.present;
  }

  private async del(args: string[]): Promise<void> {
    if (!(await this.available())) return;
    await new Promise<void>((resolve, reject) => {
      execFile(this.bin, ['-D', '-p', 'udp', ...args], (err, _stdout, stderr) => {
        // Exit status 1 with "0 flow entries have been deleted" means there was nothing to delete.
        if (err && !/0 flow entries/.test(String(stderr))) reject(new Error(`conntrack -D ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
        else resolve();
      });
    });
  }

  clearUdpForIP(ip: string): Promise<void> {
    return this.del(['--orig-dst', ip]);
  }
  clearUdpForPort(port: number): Promise<void> {
    return this.del(['--dport', String(port)]);
  }
  clearUdpNat(origDst: string, endpointIP: string): Promise<void> {
    return this.del(['--orig-dst', origDst, '--dst-nat', endpointIP]);
  }
  clearUdpPortNat(port: number, endpointIP: string): Promise<void> {
    return this.del(['--dport', String(port), '--dst-nat', endpointIP]);
  }
}

/** Records what would be cleared, for tests. */
export class FakeConntrack implements Conntrack {
  readonly cleared: string[] = [];
  constructor(private readonly isAvailable = true) {}
  async available(): Promise<boolean> {
    return this.isAvailable;
  }
  async clearUdpForIP(ip: string): Promise<void> {
    this.cleared.push(`ip ${ip}`);
  }
  async clearUdpForPort(port: number): Promise<void> {
    this.cleared.push(`port ${port}`);
  }
  async clearUdpNat(origDst: string, endpointIP: string): Promise<void> {
    this.cleared.push(`nat ${origDst} -> ${endpointIP}`);
  }
  async clearUdpPortNat(port: number, endpointIP: string): Promise<void> {
    this.cleared.push(`nat port ${port} -> ${endpointIP}`);
  }
}
