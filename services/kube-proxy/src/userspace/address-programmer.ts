// Userspace mode binds each ClusterIP on this host so its listeners can take the traffic: the
// address goes on `lo` (`ip addr add IP/32 dev lo`; this kernel has no dummy interfaces) with a
// label naming the proxy's prefix (`lo:<prefix>`), so that the proxy can find its own addresses
// again after a restart or for --cleanup, and never touches anyone else's.

import { execFile } from 'node:child_process';

export interface AddressProgrammer {
  /** The addresses this proxy put on the host. */
  list(): Promise<string[]>;
  add(ip: string): Promise<void>;
  remove(ip: string): Promise<void>;
}

/** `lo:<prefix>`, cut to the kernel's 15-character limit on labels. */
export function loLabel(prefix: string): string {
  return `lo:${prefix}`.slice(0, 15);
}

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`), { stderr: String(stderr) }));
      else resolve(String(stdout));
    });
  });
}

export class IpAddressProgrammer implements AddressProgrammer {
  private readonly label: string;

  constructor(prefix: string, private readonly device = 'lo') {
    this.label = loLabel(prefix);
  }

  async list(): Promise<string[]> {
    const out = await ip(['-4', '-o', 'addr', 'show', 'dev', this.device, 'label', this.label]);
    const found: string[] = [];
    for (const line of out.split('\n')) {
      const m = /\binet (\d+\.\d+\.\d+\.\d+)\/32\b/.exec(line);
      if (m?.[1]) found.push(m[1]);
    }
    return found;
  }

  async add(addr: string): Promise<void> {
    try {
      await ip(['addr', 'add', `${addr}/32`, 'dev', this.device, 'label', this.label]);
    } catch (e) {
      if (!/File exists|Address already assigned/i.test((e as { stderr?: string }).stderr ?? '')) throw e;
    }
  }

  async remove(addr: string): Promise<void> {
    try {
      await ip(['addr', 'del', `${addr}/32`, 'dev', this.device]);
    } catch (e) {
      if (!/Cannot assign requested address|not found/i.test((e as { stderr?: string }).stderr ?? '')) throw e;
    }
  }
}

/** Keeps addresses in a set, for tests. */
export class FakeAddressProgrammer implements AddressProgrammer {
  readonly addresses = new Set<string>();
  readonly log: string[] = [];
  async list(): Promise<string[]> {
    return [...this.addresses].sort();
  }
  async add(addr: string): Promise<void> {
    this.addresses.add(addr);
    this.log.push(`add ${addr}`);
  }
  async remove(addr: string): Promise<void> {
    this.addresses.delete(addr);
    this.log.push(`del ${addr}`);
  }
}
