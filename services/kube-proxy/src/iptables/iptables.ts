// The one way kube-proxy touches iptables (after Kubernetes' pkg/util/iptables Interface, reduced
// to what an iptables-save / iptables-restore proxier needs): read a table, apply a restore batch
// without flushing anything it does not name. ExecIptables runs the binaries; FakeIptables
// (./fake-iptables.ts) keeps tables in memory for unit tests.

import { execFile, spawn } from 'node:child_process';

export type Table = 'nat' | 'filter';

export interface Iptables {
  /** `iptables-save -t <table>` output. */
  save(table: Table): Promise<string>;
  /** `iptables-restore --noflush`: one atomic batch; chains not named in it are untouched. */
  restore(data: string): Promise<void>;
  /** Whether MASQUERADE supports --random-fully (iptables ≥ 1.6.2). */
  hasRandomFully(): Promise<boolean>;
}

export class IptablesError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'IptablesError';
  }
}

/** Waits up to this long for the xtables lock (iptables-legacy) as Kubernetes does (`-w 5`). */
const LOCK_WAIT_SECONDS = '5';

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(e));
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new IptablesError(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`, stderr));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export class ExecIptables implements Iptables {
  private randomFully: Promise<boolean> | undefined;

  constructor(private readonly bin = { save: 'iptables-save', restore: 'iptables-restore', iptables: 'iptables' }) {}

  save(table: Table): Promise<string> {
    return run(this.bin.save, ['-t', table]);
  }

  async restore(data: string): Promise<void> {
    await run(this.bin.restore, ['--noflush', '-w', LOCK_WAIT_SECONDS], data);
  }

  hasRandomFully(): Promise<boolean> {
    this.randomFully ??= new Promise((resolve) => {
      execFile(this.bin.iptables, ['--version'], (err, stdout) => {
        const m = /v(\d+)\.(\d+)\.(\d+)/.exec(stdout);
        if (err || !m) return resolve(false);
        const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
        resolve(maj > 1 || (maj === 1 && (min > 6 || (min === 6 && patch >= 2))));
      });
    });
    return this.randomFully;
  }
}

/** Whether the iptables binaries can be run here (for choosing userspace mode, and --cleanup). */
export function iptablesAvailable(bin = 'iptables-save'): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(bin, ['-t', 'nat'], (err) => resolve(!err));
  });
}
