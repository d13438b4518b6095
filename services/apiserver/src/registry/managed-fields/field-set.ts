// Sets of field paths and their FieldsV1 encoding, after sigs.k8s.io/structured-merge-diff's
// fieldpath package. A path is a list of path elements, each serialized as SMD does:
//   f:<name>          a field of an object or a key of a map
//   k:<json object>   an item of a listType=map list, by its key fields (sorted by name)
//   v:<json value>    an item of a listType=set list, by its value
//   i:<index>         an item of an atomic-free list without keys (not used for Skiff's kinds)
// In FieldsV1 JSON each path is nested objects; a leaf is `{}`; `.` marks a path that is itself a
// member of the set while it also has members below it (a list item, a map that was added).

export type PathElement = string;
export type FieldPath = readonly PathElement[];

/** FieldsV1 as stored in managedFields[].fieldsV1. */
export type FieldsV1 = { [element: string]: FieldsV1 };

interface Node {
  member: boolean;
  children: Map<PathElement, Node>;
}

const newNode = (): Node => ({ member: false, children: new Map() });

export const fieldElement = (name: string): PathElement => `f:${name}`;
export const valueElement = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
export function keyElement(keys: Readonly<Record<string, unknown>>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

export class FieldSet {
  private readonly root: Node = newNode();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    let node = this.root;
    for (const pe of path) {
      let child = node.children.get(pe);
      if (!child) {
        child = newNode();
        node.children.set(pe, child);
      }
      node = child;
    }
    node.member = true;
  }

  has(path: FieldPath): boolean {
    const node = this.nodeAt(path);
    return node?.member === true;
  }

  /** Whether a member lies strictly below `path`. */
  hasBelow(path: FieldPath): boolean {
    const node = this.nodeAt(path);
    return node !== undefined && [...node.children.values()].some(hasMember);
  }

  /** Every member path, parents before children. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (node: Node, prefix: PathElement[]): void => {
      for (const pe of [...node.children.keys()].sort(compareElements)) {
        const child = node.children.get(pe) as Node;
        const path = [...prefix, pe];
        if (child.member) out.push(path);
        walk(child, path);
      }
    };
    walk(this.root, []);
    return out;
  }

  get size(): number {
    return this.paths().length;
  }

  isEmpty(): boolean {
    return !hasMember(this.root);
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => other.has(p)));
  }

  equals(other: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(other.toFieldsV1());
  }

  toFieldsV1(): FieldsV1 {
    return encodeChildren(this.root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    decodeInto(set.root, fields, []);
    return set;
  }

  private nodeAt(path: FieldPath): Node | undefined {
    let node: Node | undefined = this.root;
    for (const pe of path) {
      node = node.children.get(pe);
      if (!node) return undefined;
    }
    return node;
  }
}

function hasMember(node: Node): boolean {
  if (node.member) return true;
  for (const c of node.children.values()) if (hasMember(c)) return true;
  return false;
}

/** SMD's order: fields, then keys, then values, then indexes; each group sorted. */
function compareElements(a: PathElement, b: PathElement): number {
  const rank = (pe: PathElement): number => 'fkvi'.indexOf(pe[0] ?? 'f');
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeChildren(node: Node): FieldsV1 {
  const out: FieldsV1 = {};
  for (const pe of [...node.children.keys()].sort(compareElements)) {
    const child = node.children.get(pe) as Node;
    if (!hasMember(child)) continue;
    const below = encodeChildren(child);
    out[pe] = Object.keys(below).length === 0 ? {} : child.member ? { '.': {}, ...below } : below;
  }
  return out;
}

function decodeInto(node: Node, fields: unknown, path: PathElement[]): void {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new Error(`fieldsV1 at ${pathString(path) || '.'} is not an object`);
  }
  for (const [pe, sub] of Object.entries(fields as Record<string, unknown>)) {
    if (pe === '.') {
      node.member = true;
      continue;
    }
    if (!/^[fkvi]:/.test(pe)) throw new Error(`fieldsV1 element ${JSON.stringify(pe)} is not f:, k:, v: or i:`);
    const child = node.children.get(pe) ?? newNode();
    node.children.set(pe, child);
    if (sub !== null && typeof sub === 'object' && Object.keys(sub).length === 0) child.member = true;
    else decodeInto(child, sub, [...path, pe]);
  }
}

/** A path as structured-merge-diff prints it: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
