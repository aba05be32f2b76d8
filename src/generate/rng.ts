// Seeded randomness for the generator. Everything the generator writes must be a pure
// function of (seed, label, options), so no Math.random anywhere: each day and each Id
// gets its own stream derived from the seed, which makes `--day D` reproduce day D of
// a multi-day run byte for byte without generating the days before it.

/** A generator of uniformly distributed unsigned 32-bit integers. */
export type Rng = () => number;

const TWO_POW_32 = 4294967296;
const GOLDEN = 0x9e3779b9;

/** Avalanche a 32-bit value (lowbias32 finalizer): every input bit affects every output bit. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds any safe integer (negative or above 2^32 included) into 32 bits without dropping the high half. */
export function foldSeed(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  return mix32(lo ^ mix32(hi + GOLDEN));
}

/**
 * A sub-seed for (seed, label): labels such as `day:2024-01-02` or `catalog` give
 * independent streams. Numbers are hashed by value, so `deriveSeed(s, 42)` is cheap
 * enough to call once per record.
 */
export function deriveSeed(seed: number, label: string | number): number {
  let h = foldSeed(seed);
  if (typeof label === 'number') return hashNumber(h, label);
  // FNV-1a over UTF-16 code units, finished with mix32 because FNV alone mixes poorly.
  h ^= 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/**
 * Hash of an integer under a key already folded by foldSeed: the per-record fast path
 * (an Id's name and habits), which must not re-fold the seed every time.
 */
export function hashNumber(key: number, n: number): number {
  // Split so that Ids beyond 2^32 (or negative) still hash all their bits.
  const lo = n >>> 0;
  const hi = Math.floor(n / TWO_POW_32) >>> 0;
  return mix32(key ^ mix32(lo + mix32(hi ^ GOLDEN)));
}

/** sfc32: tiny, fast, and passes PractRand far beyond the volumes generated here. */
export function createRng(seed: number): Rng {
  // splitmix-style expansion so that nearby seeds do not start in correlated states.
  let a = mix32(seed + GOLDEN);
  let b = mix32(a + GOLDEN);
  let c = mix32(b + GOLDEN);
  let d = 1;
  const next: Rng = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm-up: the first outputs of sfc32 still reflect the seed words.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Uniform float in [0, 1). */
export function nextFloat(rng: Rng): number {
  return rng() / TWO_POW_32;
}

/** Uniform integer in [min, max], both inclusive; exact for ranges up to 2^53. */
export function nextInt(rng: Rng, min: number, max: number): number {
  const span = max - min + 1;
  if (span <= TWO_POW_32) return min + Math.floor(nextFloat(rng) * span);
  // Wide ranges need 53 random bits, one draw only has 32.
  const f = ((rng() >>> 5) * 67108864 + (rng() >>> 6)) / 9007199254740992;
  // Float rounding could land on span itself near f = 1; clamp keeps the bound inclusive.
  return Math.min(max, min + Math.floor(f * span));
}

/** True with probability p. */
export function chance(rng: Rng, p: number): boolean {
  return nextFloat(rng) < p;
}

/** A uniformly chosen element; the list must not be empty. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list');
  return items[Math.floor(nextFloat(rng) * items.length)] as T;
}
