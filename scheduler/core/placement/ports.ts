/**
 * The ports of one host: which ports of its range are held, as a bitmap with a count of free
 * ports and a hint below which every port is held, so that finding the lowest free ports does
 * not rescan the start of a busy range. A hold touches only the bitmap; the rare cases (a port
 * claimed twice, a port outside the range) are counted in maps on the side so that a release
 * still undoes exactly one claim and a range change can recount them.
 */

const FULL_WORD = 0xffffffff;

export interface PortRange {
  readonly begin: number;
  readonly end: number;
}

export class HostPorts {
  private begin = 0;
  private count = 0;
  /** Bit i set when port begin+i is held; allocated on the first claim in range. */
  private bits: Uint32Array | null = null;
  /** Claims of an in-range port beyond the first. */
  private readonly extraClaims = new Map<number, number>();
  /** Claims of ports outside the range: ignored, but remembered for a range change. */
  private readonly outsideClaims = new Map<number, number>();
  /** Every offset below this is held. */
  private lowestFreeHint = 0;
  /** Free ports in the range. */
  free = 0;

  constructor(range: PortRange) {
    this.begin = range.begin;
    this.count = Math.max(0, range.end - range.begin + 1);
    this.free = this.count;
  }

  /** Changes the range, keeping every claim (ports outside the new range are remembered, not counted). */
  setRange(range: PortRange): void {
    const claims = this.claims();
    this.extraClaims.clear();
    this.outsideClaims.clear();
    this.begin = range.begin;
    this.count = Math.max(0, range.end - range.begin + 1);
    this.bits = null;
    this.lowestFreeHint = 0;
    this.free = this.count;
    for (const [port, times] of claims) for (let i = 0; i < times; i++) this.claim(port);
  }

  /** A holding claims `port`. */
  claim(port: number): void {
    const offset = port - this.begin;
    if (offset < 0 || offset >= this.count) {
      this.outsideClaims.set(port, (this.outsideClaims.get(port) ?? 0) + 1);
      return;
    }
    const bits = (this.bits ??= new Uint32Array((this.count + 31) >>> 5));
    const word = offset >>> 5;
    const bit = 1 << (offset & 31);
    if ((bits[word]! & bit) !== 0) {
      this.extraClaims.set(port, (this.extraClaims.get(port) ?? 0) + 1);
      return;
    }
    bits[word] = bits[word]! | bit;
    this.free--;
  }

  /** Exactly undoes one `claim(port)`. */
  unclaim(port: number): void {
    const offset = port - this.begin;
    const side = offset < 0 || offset >= this.count ? this.outsideClaims : this.extraClaims;
    const times = side.size > 0 ? side.get(port) : undefined;
    if (times !== undefined) {
      if (times > 1) side.set(port, times - 1);
      else side.delete(port);
      return;
    }
    if (side === this.outsideClaims || this.bits === null) return;
    const word = offset >>> 5;
    const bit = 1 << (offset & 31);
    if ((this.bits[word]! & bit) === 0) return;
    this.bits[word] = this.bits[word]! & ~bit;
    this.free++;
    if (offset < this.lowestFreeHint) this.lowestFreeHint = offset;
  }

  /** The lowest `wanted` free ports of the range, ascending (fewer if the range has fewer). */
  lowestFree(wanted: number): number[] {
    const found: number[] = [];
    const bits = this.bits;
    let offset = this.lowestFreeHint;
    while (found.length < wanted && offset < this.count) {
      const word = bits === null ? 0 : bits[offset >>> 5]!;
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

  /** Held ports, ascending, each once (in the range or not). */
  held(): number[] {
    return [...this.claims().keys()].sort((a, b) => a - b);
  }

  /** Every claimed port with how many times it is claimed. */
  private claims(): Map<number, number> {
    const claims = new Map(this.outsideClaims);
    if (this.bits !== null) {
      for (let offset = 0; offset < this.count; offset++) {
        if ((this.bits[offset >>> 5]! & (1 << (offset & 31))) === 0) continue;
        const port = this.begin + offset;
        claims.set(port, 1 + (this.extraClaims.get(port) ?? 0));
      }
    }
    return claims;
  }
}
