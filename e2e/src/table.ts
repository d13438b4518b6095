// Reads the aligned tables `skiff get` prints (kubectl style: each column starts where its header
// starts; cells may hold single spaces, as in `1 (5s ago)`), into rows keyed by header.

export type Row = Record<string, string>;

export function parseTable(text: string): Row[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (header === undefined) return [];
  const columns: { name: string; start: number }[] = [];
  const re = /\S+(?: \S+)*/g; // header names may be two words (NOMINATED NODE) separated by one space
  for (let m = re.exec(header); m; m = re.exec(header)) columns.push({ name: m[0], start: m.index });
  return lines.slice(1).map((line) => {
    const row: Row = {};
    columns.forEach((c, i) => {
      const end = columns[i + 1]?.start ?? line.length;
      row[c.name] = line.slice(c.start, end).trim();
    });
    return row;
  });
}

/** The row whose NAME is `name`, or undefined. */
export function rowNamed(text: string, name: string): Row | undefined {
  return parseTable(text).find((r) => r['NAME'] === name);
}
