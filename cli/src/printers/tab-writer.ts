// A port of Go's text/tabwriter as kubectl configures it, so Skiff's tables and describe output
// line up exactly like kubectl's. Cells are terminated by '\t'; the text after a line's last tab
// is not part of a column. A column block is a run of consecutive lines that all have a cell in
// that column; each block is as wide as its widest cell plus padding (and at least minWidth).
// With rememberWidths (kubectl's fork, github.com/liggitt/tabwriter), widths never shrink across
// flushes, so the rows `get -w` prints one by one stay aligned with the header.

export interface TabWriterOptions {
  minWidth: number;
  padding: number;
  rememberWidths?: boolean;
}

/** kubectl get: printers.GetNewTabWriter (minwidth 6, padding 3, RememberWidths). */
export const TABLE_OPTIONS: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };
/** kubectl describe: tabwriter.Init(buf, 0, 8, 2, ' ', 0). */
export const DESCRIBE_OPTIONS: TabWriterOptions = { minWidth: 0, padding: 2 };

function textWidth(s: string): number {
  return [...s].length;
}

export class TabWriter {
  private buf = '';
  private readonly maxWidths: number[] = [];

  constructor(private readonly opts: TabWriterOptions) {}

  write(text: string): void {
    this.buf += text;
  }

  /** Forgets the remembered widths (kubectl does so when the next table is of another kind). */
  resetWidths(): void {
    this.maxWidths.length = 0;
  }

  /** Formats and returns everything written since the last flush. */
  flush(): string {
    const text = this.buf;
    this.buf = '';
    if (text === '') return '';
    const endsWithNewline = text.endsWith('\n');
    const rawLines = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
    const lines = rawLines.map((l) => l.split('\t'));
    const out = this.format(lines);
    return out.join('\n') + (endsWithNewline ? '\n' : '');
  }

  private format(lines: string[][]): string[] {
    const { minWidth, padding, rememberWidths } = this.opts;
    const out: string[] = new Array<string>(lines.length).fill('');
    const widths: number[] = [];
    const cellsOf = (i: number): string[] => lines[i] ?? [];

    const writeLines = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const cells = cellsOf(i);
        let s = '';
        cells.forEach((cell, j) => {
          s += cell;
          const w = widths[j];
          if (j < cells.length - 1 && w !== undefined) s += ' '.repeat(Math.max(0, w - textWidth(cell)));
        });
        out[i] = s;
      }
    };

    const formatBlock = (line0: number, line1: number): void => {
      const column = widths.length;
      let start = line0;
      for (let t = line0; t < line1; t++) {
        if (column >= cellsOf(t).length - 1) continue;
        writeLines(start, t);
        start = t;
        let width = minWidth;
        for (; t < line1; t++) {
          const cells = cellsOf(t);
          if (column >= cells.length - 1) break;
          width = Math.max(width, textWidth(cells[column] ?? '') + padding);
        }
        if (rememberWidths) {
          const seen = this.maxWidths[column];
          if (seen === undefined || seen < width) this.maxWidths[column] = width;
          else width = seen;
        }
        widths.push(width);
        formatBlock(start, t);
        widths.pop();
        start = t;
      }
      writeLines(start, line1);
    };

    formatBlock(0, lines.length);
    return out;
  }
}

/** Formats tab-separated text in one go. */
export function tabbed(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}
