// An in-memory iptables for unit tests: tables of chains of rules, `iptables-restore --noflush`
// semantics (a declared chain is created or flushed, -A/-I/-D/-X, the whole batch applies or
// nothing does, a rule may only jump to a chain that exists, a referenced chain cannot be
// deleted), and `save` printing it back in iptables-save's layout. Rules are kept as given
// (real iptables normalises some arguments, e.g. adds `/32`; the integration tests cover that).

import type { Iptables, Table } from './iptables.js';
import { BUILTIN_CHAINS, joinWords, ruleTarget, sameWords, splitWords } from './save-format.js';

type Chains = Map<string, string[][]>;

const TERMINAL_TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'LOG']);

function emptyTable(table: Table): Chains {
  return new Map((BUILTIN_CHAINS[table] ?? []).map((c) => [c, []]));
}

export class FakeIptables implements Iptables {
  readonly tables: Record<Table, Chains> = { nat: emptyTable('nat'), filter: emptyTable('filter') };
  /** Every batch restored, in order. */
  readonly restores: string[] = [];
  private failure: Error | undefined;

  constructor(private readonly randomFully = true) {}

  async save(table: Table): Promise<string> {
    const chains = this.tables[table];
    const builtins = BUILTIN_CHAINS[table] ?? [];
    const lines = [`*${table}`];
    for (const c of builtins) lines.push(`:${c} ACCEPT [0:0]`);
    for (const c of [...chains.keys()].filter((c) => !builtins.includes(c)).sort()) lines.push(`:${c} - [0:0]`);
    for (const [c, rules] of chains) for (const r of rules) lines.push(`-A ${c} ${joinWords(r)}`);
    lines.push('COMMIT');
    return lines.join('\n') + '\n';
  }

  async restore(data: string): Promise<void> {
    if (this.failure) {
      const e = this.failure;
      this.failure = undefined;
      throw e;
    }
    const next: Record<Table, Chains> = {
      nat: new Map([...this.tables.nat].map(([k, v]) => [k, [...v]])),
      filter: new Map([...this.tables.filter].map(([k, v]) => [k, [...v]])),
    };
    let table: Chains | undefined;
    let tableName: Table | undefined;
    data.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      const fail = (why: string): never => {
        throw new Error(`iptables-restore: line ${i + 1} failed (${why}): ${line}`);
      };
      if (line === '' || line.startsWith('#')) return;
      if (line.startsWith('*')) {
        tableName = line.slice(1) as Table;
        table = next[tableName] ?? fail('unknown table');
        return;
      }
      if (!table || !tableName) return fail('no table');
      if (line === 'COMMIT') {
        table = undefined;
        return;
      }
      if (line.startsWith(':')) {
        const name = line.slice(1).split(/\s+/)[0] as string;
        table.set(name, []);
        return;
      }
      const words = splitWords(line);
      const [op, chain] = words;
      if (!chain) return fail('no chain');
      const rules = table.get(chain) ?? fail(`no chain ${chain}`);
      if (op === '-X') {
        if ((BUILTIN_CHAINS[tableName] ?? []).includes(chain)) fail('built-in chain');
        for (const [other, rs] of table) if (other !== chain && rs.some((r) => ruleTarget(r) === chain)) fail(`chain ${chain} is referenced by ${other}`);
        table.delete(chain);
        return;
      }
      let spec = words.slice(2);
      const checkTarget = (): void => {
        const target = ruleTarget(spec);
        if (target !== undefined && !TERMINAL_TARGETS.has(target) && !table?.has(target)) fail(`no chain ${target}`);
      };
      if (op === '-A') {
        checkTarget();
        rules.push(spec);
      } else if (op === '-I') {
        let pos = 1;
        if (/^\d+$/.test(spec[0] ?? '')) {
          pos = Number(spec[0]);
          spec = spec.slice(1);
        }
        checkTarget();
        rules.splice(pos - 1, 0, spec);
      } else if (op === '-D') {
        const at = rules.findIndex((r) => sameWords(r, spec));
        if (at < 0) fail('no such rule');
        rules.splice(at, 1);
      } else fail(`unsupported ${op ?? ''}`);
    });
    if (table) throw new Error('iptables-restore: missing COMMIT');
    this.tables.nat = next.nat;
    this.tables.filter = next.filter;
    this.restores.push(data);
  }

  async hasRandomFully(): Promise<boolean> {
    return this.randomFully;
  }

  /** The next restore fails with `error`. */
  failNextRestore(error: Error): void {
    this.failure = error;
  }

  /** Adds a rule as something else would (Docker, another proxy), for tests. */
  addRule(table: Table, chain: string, spec: string, position?: number): void {
    const chains = this.tables[table];
    if (!chains.has(chain)) chains.set(chain, []);
    const rules = chains.get(chain) as string[][];
    if (position === undefined) rules.push(splitWords(spec));
    else rules.splice(position - 1, 0, splitWords(spec));
  }

  rules(table: Table, chain: string): string[] {
    return (this.tables[table].get(chain) ?? []).map((r) => joinWords(r));
  }

  chains(table: Table): string[] {
    return [...this.tables[table].keys()];
  }
}
