// The columns `get` prints per kind: @skiff/api's columnsFor (kubectl's table handlers, shared
// with the apiserver's meta.k8s.io Tables), laid out as kubectl prints a Table: upper-case
// headers, priority-1 columns only with `-o wide`.

import { columnsFor, type KubeObject } from '@skiff/api';

export interface TableDef {
  /** The header cells, upper-cased as kubectl prints them. */
  header(wide: boolean): string[];
  /** The cells of one object. */
  row(obj: Readonly<KubeObject>, now: number, wide: boolean): string[];
  /** Whether the first column is the object's name (kubectl prefixes it with `kind/`). */
  readonly nameFirst: boolean;
}

export function tableFor(resource: string): TableDef {
  const kc = columnsFor(resource);
  const shown = (wide: boolean): number[] => kc.columns.flatMap((c, i) => (wide || c.priority === 0 ? [i] : []));
  return {
    header: (wide) => shown(wide).map((i) => kc.columns[i]?.name.toUpperCase() ?? ''),
    row(obj, now, wide) {
      const cells = kc.cells(obj, now, wide);
      return shown(wide).map((i) => String(cells[i] ?? ''));
    },
    nameFirst: kc.columns[0]?.format === 'name',
  };
}
