// Reading and writing the iptables-save / iptables-restore text format (after Kubernetes'
// pkg/util/iptables/save_restore.go): the chains of a table, the rules of each chain, and rule
// arguments split the way iptables-restore splits them (double quotes group words).

export const BUILTIN_CHAINS: Readonly<Record<string, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export interface SavedTable {
  /** Every chain declared in the table (built-in ones included). */
  chains: Set<string>;
  /** Rule specs (the words after `-A <chain>`) per chain, in order. */
  rules: Map<string, string[][]>;
}

/** Splits a rule line into words; `"a b"` is one word (quotes removed). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] as string));
  return words;
}

/** Joins words back into restore syntax, quoting those with spaces. */
export function joinWords(words: readonly string[]): string {
  return words.map((w) => (w === '' || /[\s"]/.test(w) ? `"${w.replace(/(["\\])/g, '\\$1')}"` : w)).join(' ');
}

/** Parses `iptables-save -t <table>` output (only the first table in the text is read). */
export function parseSavedTable(text: string): SavedTable {
  const table: SavedTable = { chains: new Set(), rules: new Map() };
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      if (inTable) break;
      inTable = true;
      continue;
    }
    if (!inTable || line === '' || line.startsWith('#')) continue;
    if (line === 'COMMIT') break;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(/\s+/)[0];
      if (name) table.chains.add(name);
    } else if (line.startsWith('-A ')) {
      const words = splitWords(line);
      const chain = words[1];
      if (!chain) continue;
      let list = table.rules.get(chain);
      if (!list) table.rules.set(chain, (list = []));
      list.push(words.slice(2));
    }
  }
  return table;
}

/** The chain a rule jumps or goes to (`-j X` / `-g X`), if any. */
export function ruleTarget(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++) if (words[i] === '-j' || words[i] === '-g') return words[i + 1];
  return undefined;
}

export function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** A chain declaration line of restore input (declaring an existing chain flushes it). */
export function chainLine(chain: string): string {
  return `:${chain} - [0:0]`;
}
