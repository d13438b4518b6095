// Turns the desired chains (proxy-rules.ts) and what iptables-save shows now into one
// `iptables-restore --noflush` batch, so a sync is a single atomic transaction:
//   - every chain of the proxy is declared (which flushes it) and refilled;
//   - chains of this prefix that are no longer wanted are flushed and deleted (as Kubernetes'
//     syncProxyRules does with `existingNATChains.Difference(activeNATChains)`);
//   - the jumps from built-in chains are made exactly one each: inserted when missing, extra or
//     outdated copies deleted. Running the same plan again changes nothing, which is what makes a
//     restarted proxy converge instead of piling up rules.
// Also the partial-sync batch (only what changed, no iptables-save) and the --cleanup batch (every
// jump and every chain of the prefix removed).

import type { ChainNames } from './chain-names.js';
import type { Table } from './iptables.js';
import type { JumpRule } from './jump-rules.js';
import type { ProxyRules } from './proxy-rules.js';
import { BUILTIN_CHAINS, chainLine, joinWords, ruleTarget, sameWords, type SavedTable } from './save-format.js';

export interface RestorePlan {
  text: string;
  /** Stale chains deleted by this batch. */
  deletedChains: string[];
  /** Jump rules inserted and deleted by this batch. */
  jumpsInserted: number;
  jumpsDeleted: number;
}

interface TablePlan {
  lines: string[];
  deleted: string[];
  inserted: number;
  removed: number;
}

/** -D for jumps into our chains that are not wanted (or duplicates), -I for wanted jumps that are missing. */
function fixJumps(table: Table, names: ChainNames, saved: SavedTable, wanted: readonly JumpRule[]): { del: string[]; ins: string[] } {
  const del: string[] = [];
  const ins: string[] = [];
  for (const builtin of BUILTIN_CHAINS[table] ?? []) {
    const mine = wanted.filter((j) => j.table === table && j.from === builtin);
    const found = new Set<JumpRule>();
    for (const words of saved.rules.get(builtin) ?? []) {
      const target = ruleTarget(words);
      if (target === undefined || !names.owns(target)) continue;
      const match = mine.find((j) => !found.has(j) && sameWords(j.words, words));
      if (match) found.add(match);
      else del.push(`-D ${builtin} ${joinWords(words)}`);
    }
    // Inserted in reverse so that they end up in the listed order at the top of the chain.
    for (const j of [...mine].reverse()) if (!found.has(j)) ins.push(`-I ${builtin} 1 ${joinWords(j.words)}`);
  }
  return { del, ins };
}

function planTable(table: Table, names: ChainNames, saved: SavedTable, chains: string[], rules: string[], active: Set<string>, wanted: readonly JumpRule[]): TablePlan {
  const stale = [...saved.chains].filter((c) => names.owns(c) && !active.has(c)).sort();
  const { del, ins } = fixJumps(table, names, saved, wanted);
  const lines = [
    `*${table}`,
    ...chains,
    ...stale.map(chainLine),
    ...rules,
    ...del,
    ...ins,
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
  ];
  return { lines, deleted: stale, inserted: ins.length, removed: del.length };
}

/** The batch for a sync. */
export function planSync(names: ChainNames, rules: ProxyRules, saved: { nat: SavedTable; filter: SavedTable }, jumps: readonly JumpRule[]): RestorePlan {
  const filter = planTable('filter', names, saved.filter, rules.filterChains, rules.filterRules, rules.active.filter, jumps);
  const nat = planTable('nat', names, saved.nat, rules.natChains, rules.natRules, rules.active.nat, jumps);
  return {
    text: [...filter.lines, ...nat.lines].join('\n') + '\n',
    deletedChains: [...filter.deleted, ...nat.deleted],
    jumpsInserted: filter.inserted + nat.inserted,
    jumpsDeleted: filter.removed + nat.removed,
  };
}

/**
 * The batch for a partial sync (no iptables-save): the fixed chains and the chains of the changed
 * Services rewritten, `stale` chains (known from the previous sync's active set) deleted; the
 * jumps are left alone, as Kubernetes only ensures them on full syncs.
 */
export function planPartialSync(rules: ProxyRules, stale: readonly string[]): RestorePlan {
  const lines = [
    '*filter',
    ...rules.filterChains,
    ...rules.filterRules,
    'COMMIT',
    '*nat',
    ...rules.natChains,
    ...stale.map(chainLine),
    ...rules.natRules,
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
  ];
  return { text: lines.join('\n') + '\n', deletedChains: [...stale], jumpsInserted: 0, jumpsDeleted: 0 };
}

/** The batch for --cleanup: no jumps wanted, no chain active. Undefined when there is nothing of ours. */
export function planCleanup(names: ChainNames, saved: { nat: SavedTable; filter: SavedTable }): RestorePlan | undefined {
  const filter = planTable('filter', names, saved.filter, [], [], new Set(), []);
  const nat = planTable('nat', names, saved.nat, [], [], new Set(), []);
  if (filter.deleted.length + nat.deleted.length + filter.removed + nat.removed === 0) return undefined;
  return {
    text: [...filter.lines, ...nat.lines].join('\n') + '\n',
    deletedChains: [...filter.deleted, ...nat.deleted],
    jumpsInserted: 0,
    jumpsDeleted: filter.removed + nat.removed,
  };
}
