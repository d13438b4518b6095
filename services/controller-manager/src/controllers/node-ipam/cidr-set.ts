// The blocks of the cluster CIDR handed to nodes, after Kubernetes'
// pkg/controller/nodeipam/ipam/cidrset/cidr_set.go: the cluster CIDR (`--cluster-cidr`) cut into
// blocks of `--node-cidr-mask-size`, a bitmap of used ones. Skiff hands out the lowest free block
// (Kubernetes rotates from the last one given) so addresses are predictable. At most 2^16 blocks,
// as Kubernetes ("subnet mask size too big").

import { addressAt, cidrsOverlap, parseCidr, type Cidr } from '@skiff/api';

const MAX_PREFIX_DIFF = 16;

export class CidrSet {
  readonly cluster: Cidr;
  readonly maskSize: number;
  /** How many blocks the cluster CIDR holds. */
  readonly size: number;
  private readonly used: Uint8Array;
  private inUse = 0;

  /** Throws an Error saying what is wrong with the pair. */
  constructor(clusterCidr: string, maskSize: number) {
    this.cluster = parseCidr(clusterCidr);
    if (!Number.isInteger(maskSize) || maskSize < this.cluster.prefix || maskSize > 32) {
      throw new Error(`node CIDR mask size ${maskSize} must be between the cluster CIDR's prefix (${this.cluster.prefix}) and 32`);
    }
    if (maskSize - this.cluster.prefix > MAX_PREFIX_DIFF) {
      throw new Error(`node CIDR mask size ${maskSize} is too big for ${this.cluster.text}: at most ${MAX_PREFIX_DIFF} bits more than its prefix`);
    }
    this.maskSize = maskSize;
    this.size = 2 ** (maskSize - this.cluster.prefix);
    this.used = new Uint8Array(this.size);
  }

  /** The i-th block's text ("10.244.3.0/24"). */
  block(i: number): string {
    return `${addressAt(this.cluster, i * 2 ** (32 - this.maskSize))}/${this.maskSize}`;
  }

  /** Blocks in use. */
  count(): number {
    return this.inUse;
  }

  /** The lowest free block, now marked used; undefined when the range is exhausted. */
  allocateNext(): string | undefined {
    const i = this.used.indexOf(0);
    if (i < 0) return undefined;
    this.used[i] = 1;
    this.inUse++;
    return this.block(i);
  }

  /** The block indices `cidr` covers, clipped to the cluster CIDR; undefined when outside it or not a CIDR. */
  private indices(cidr: string): [number, number] | undefined {
    let c: Cidr;
    try {
      c = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (!cidrsOverlap(c, this.cluster)) return undefined;
    const blockSize = 2 ** (32 - this.maskSize);
    const begin = Math.max(c.base, this.cluster.base) - this.cluster.base;
    const end = Math.min(c.base + c.size, this.cluster.base + this.cluster.size) - this.cluster.base;
    return [Math.floor(begin / blockSize), Math.ceil(end / blockSize)];
  }

  /** Marks the blocks `cidr` covers as used (a node's existing podCIDR); false when it is not inside the cluster CIDR. */
  occupy(cidr: string): boolean {
    const r = this.indices(cidr);
    if (!r) return false;
    for (let i = r[0]; i < r[1]; i++) this.mark(i, 1);
    return true;
  }

  /** Frees the blocks `cidr` covers. */
  release(cidr: string): void {
    const r = this.indices(cidr);
    if (!r) return;
    for (let i = r[0]; i < r[1]; i++) this.mark(i, 0);
  }

  private mark(i: number, v: 0 | 1): void {
    if (this.used[i] === v) return;
    this.used[i] = v;
    this.inUse += v === 1 ? 1 : -1;
  }
}
