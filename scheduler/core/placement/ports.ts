/**
 * The ports of one host: which ports of its range are held, as a bitmap with a count of free
 * ports and a hint below which every port is held, so that finding the lowest free ports does
 * not rescan the start of a busy range.
 */

const FULL_WORD = 0xffffffff;

export interface PortRange {
  readonly begin: number;
  readonly end: number;
}

export class HostPorts {
  /** Every held port, in the range or not, with how many holdings claim it. */
  private readonly claims = new Map<number, number>();
  private begin = 0;
  private count = 0;
  /** Bit i set when port begin+i is held; allocated on the first claim in range. */
  private bits: Uint32Array | null = null;
  /** Every offset below this is held. */
  private lowestFreeHint = 0;
  /** Free ports in the range. */
  free = 0;

  constructor(range: PortRange) {
    this.setRange(range);
  }

  /** Changes the range, keeping what is held (ports outside the range are remembered, not counted). */
  setRange(range: PortRange): void {
    this.begin = range.begin;
    this.count = Math.max(0, range.end - range.begin + 1);
    this.bits = null;
    this.lowestFreeHint = 0;
    this.free = this.count;
    for (const port of this.claims.keys()) this.mark(port);
  }

  /** A holding claims `port`. */
  claim(port: number): void {
    const claims = this.claims.get(port) ?? 0;
    this.claims.set(port, claims + 1);
    if (claims === 0) this.mark(port);
  }

  /** Exactly undoes one `claim(port)`. */
  unclaim(port: number): void {
    const claims = this.claims.get(port);
    if (claims === undefined) return;
    if (claims > 1) {
      this.claims.set(port, claims - 1);
      return;
    }
    this.claims.delete(port);
    const offset = port - this.begin;
    if (offset < 0 || offset >= this.count || this.bits === null) return;
    this.bits[offset >>> 5] = (this.bits[offset >>> 5] as number) & ~(1 << (offset & 31));
    this.free++;
    if (offset < this.lowestFreeHint) this.lowestFreeHint = offset;
  }

  /** The lowest `wanted` free ports of the range, ascending (fewer if the range has fewer). */
  lowestFree(wanted: number): number[] {
    const found: number[] = [];
    const bits = this.bits;
    let offset = this.lowestFreeHint;
    while (found.length < wanted && offset < this.count) {
      const word = bits === null ? 0 : (bits[offset >>> 5] as number);
      if (word === FULL_WORD) {
        offset = ((offset >>> 5) + 1) << 5;
        continue;
      }
      if ((word & (1 << (offset & 31))) === 0) {
        if (found.length === 0) this.lowestFreeHint = offset;
        found.push(this.begin + offset);
      }
      offset++;
    }
    if (found.length === 0) this.lowestFreeHint = Math.min(offset, this.count);
    return found;
  }

  /** Held ports, ascending (in the range or not). */
  held(): number[] {
    return [...this.claims.keys()].sort((a, b) => a - b);
  }

  private mark(port: number): void {
    const offset = port - this.begin;
    if (offset < 0 || offset >= this.count) return;
    this.bits ??= new Uint32Array((this.count + 31) >>> 5);
    this.bits[offset >>> 5] = (this.bits[offset >>> 5] as number) | (1 << (offset & 31));
    this.free--;
  }
}
