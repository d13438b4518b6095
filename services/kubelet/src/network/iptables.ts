// How the kubelet runs iptables: an interface (so unit tests use the in-memory FakeIptables) and the
// real command, optionally inside a network namespace (`ip netns exec`, for integration tests that
// must not touch the host's rules). Rule lines as `iptables -S` prints them are split back into
// arguments by `ruleArgs`, so a listed rule can be deleted by its exact spec.

import { execFile } from 'node:child_process';

export interface IptablesResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `iptables <args>`; a non-zero exit is a result, not an error (`-C` answers with it). */
export interface Iptables {
  run(args: readonly string[]): Promise<IptablesResult>;
}

export interface ExecIptablesOptions {
  /** Run in this network namespace (`ip netns exec NS iptables ...`). */
  netns?: string;
  timeoutMs?: number;
}

export class ExecIptables implements Iptables {
  constructor(private readonly o: ExecIptablesOptions = {}) {}

  run(args: readonly string[]): Promise<IptablesResult> {
    // -w: wait for the xtables lock rather than fail when Docker or kube-proxy holds it.
    const argv = ['iptables', '-w', '5', ...args];
    const [file, ...rest] = this.o.netns !== undefined ? ['ip', 'netns', 'exec', this.o.netns, ...argv] : argv;
    return new Promise((resolve, reject) => {
      execFile(file ?? 'iptables', rest, { timeout: this.o.timeoutMs ?? 30_000 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(err.code === 'ENOENT' ? `${file ?? 'iptables'} not found` : `iptables ${args.join(' ')}: ${err.message}`));
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      });
    });
  }
}

/** Fails with the command's own message when it exited non-zero. */
export async function iptablesOk(ipt: Iptables, args: readonly string[]): Promise<string> {
  const r = await ipt.run(args);
  if (r.code !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/** Splits a rule line (`-A CHAIN -s x -m comment --comment "a b" -j ACCEPT`) into arguments;
 *  double quotes group, backslash escapes, as `iptables -S` writes them. */
export function ruleArgs(line: string): string[] {
  const out: string[] = [];
  for (const m of line.trim().matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

/** The value following `flag` in a rule's arguments (`--comment`, `-s`, ...), if any. */
export function argAfter(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The `-A <chain> ...` rules of a chain, as argument lists without the `-A <chain>`; undefined
 *  when the chain does not exist. */
export async function listRules(ipt: Iptables, table: string, chain: string): Promise<string[][] | undefined> {
  const r = await ipt.run(['-t', table, '-S', chain]);
  if (r.code !== 0) return undefined;
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith(`-A ${chain} `))
    .map((l) => ruleArgs(l).slice(2));
}
