// An in-memory iptables for unit tests: tables of chains of rules (argument lists), with the
// commands the kubelet uses (-S, -C, -I, -A, -D, -N, -F, -X, -t) and iptables' exit codes
// (1 for a missing rule or chain). `rules(table, chain)` shows what was programmed.

import type { Iptables, IptablesResult } from './iptables.js';

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

function quote(arg: string): string {
  return /\s/.test(arg) ? `"${arg.replace(/(["\\])/g, '\\$1')}"` : arg;
}

export class FakeIptables implements Iptables {
  private readonly tables = new Map<string, Map<string, string[][]>>();
  /** Every command run, for tests that count them. */
  readonly calls: string[][] = [];

  /** With `dockerUser` (default true) the filter table has Docker's DOCKER-USER chain. */
  constructor(opts: { dockerUser?: boolean } = {}) {
    for (const [table, chains] of Object.entries(BUILTIN)) this.tables.set(table, new Map(chains.map((c) => [c, []])));
    if (opts.dockerUser ?? true) this.tables.get('filter')?.set('DOCKER-USER', [['-j', 'RETURN']]);
  }

  /** The rules of a chain (argument lists); undefined when it does not exist. */
  rules(table: string, chain: string): string[][] | undefined {
    return this.tables.get(table)?.get(chain)?.map((r) => [...r]);
  }

  chains(table: string): string[] {
    return [...(this.tables.get(table)?.keys() ?? [])];
  }

  async run(argv: readonly string[]): Promise<IptablesResult> {
    this.calls.push([...argv]);
    const args = [...argv];
    let table = 'filter';
    const t = args.indexOf('-t');
    if (t >= 0) {
      table = args[t + 1] ?? 'filter';
      args.splice(t, 2);
    }
    const chains = this.tables.get(table);
    if (!chains) return fail(`can't initialize iptables table \`${table}': Table does not exist`);
    const [op, chain = '', ...rest] = args;
    const rules = chains.get(chain);
    const same = (r: string[]) => r.length === rest.length && r.every((a, i) => a === rest[i]);
    switch (op) {
      case '-S': {
        if (chain === '') return ok([...chains.keys()].map((c) => `-N ${c}`).join('\n'));
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        return ok([BUILTIN[table]?.includes(chain) ? `-P ${chain} ACCEPT` : `-N ${chain}`, ...rules.map((r) => `-A ${chain} ${r.map(quote).join(' ')}`)].join('\n') + '\n');
      }
      case '-N':
        if (rules) return fail('iptables: Chain already exists.');
        chains.set(chain, []);
        return ok('');
      case '-X':
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        if (rules.length > 0) return fail('iptables: Directory not empty.');
        for (const [name, other] of chains) if (other.some((r) => r.includes(chain))) return fail(`iptables: Too many links. (${name} jumps to it)`);
        chains.delete(chain);
        return ok('');
      case '-F':
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        rules.length = 0;
        return ok('');
      case '-C':
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        return rules.some(same) ? ok('') : fail('iptables: Bad rule (does a matching rule exist in that chain?).');
      case '-A':
      case '-I': {
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        const target = argAfterJump(rest);
        if (target !== undefined && !['ACCEPT', 'DROP', 'RETURN', 'MASQUERADE'].includes(target) && !chains.has(target)) {
          return fail(`iptables v1.8.9 (nf_tables): Chain '${target}' does not exist`);
        }
        let spec = rest;
        let pos = op === '-A' ? rules.length : 0;
        if (op === '-I' && /^\d+$/.test(rest[0] ?? '')) {
          pos = Number(rest[0]) - 1;
          spec = rest.slice(1);
        }
        rules.splice(pos, 0, spec);
        return ok('');
      }
      case '-D': {
        if (!rules) return fail('iptables: No chain/target/match by that name.');
        const i = rules.findIndex(same);
        if (i < 0) return fail('iptables: Bad rule (does a matching rule exist in that chain?).');
        rules.splice(i, 1);
        return ok('');
      }
      default:
        return { code: 2, stdout: '', stderr: `fake iptables: unsupported ${argv.join(' ')}` };
    }
  }
}

function argAfterJump(args: readonly string[]): string | undefined {
  const i = args.indexOf('-j');
  return i >= 0 ? args[i + 1] : undefined;
}

function ok(stdout: string): IptablesResult {
  return { code: 0, stdout, stderr: '' };
}

function fail(stderr: string): IptablesResult {
  return { code: 1, stdout: '', stderr };
}
