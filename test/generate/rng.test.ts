import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chance, createRng, deriveSeed, foldSeed, nextFloat, nextInt, pick } from '../../src/generate/rng.js';

const take = (seed: number, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng());
};

describe('rng', () => {
  it('is a pure function of the seed', () => {
    assert.deepEqual(take(42, 100), take(42, 100));
    assert.notDeepEqual(take(42, 100), take(43, 100));
  });

  it('derives independent, stable sub-seeds', () => {
    const labels = ['day:2024-01-01', 'day:2024-01-02', 'catalog', 'a', 'b'];
    const seeds = labels.map((l) => deriveSeed(7, l));
    assert.equal(new Set(seeds).size, labels.length);
    assert.deepEqual(labels.map((l) => deriveSeed(7, l)), seeds);
    assert.notEqual(deriveSeed(7, 'catalog'), deriveSeed(8, 'catalog'));
    assert.notEqual(deriveSeed(7, 1), deriveSeed(7, 1 + 2 ** 32), 'high bits of an Id count');
  });

  it('folds seeds beyond 32 bits without collisions on the high half', () => {
    assert.notEqual(foldSeed(1), foldSeed(1 + 2 ** 32));
    assert.notEqual(foldSeed(-1), foldSeed(2 ** 32 - 1));
    assert.throws(() => foldSeed(1.5), RangeError);
  });

  it('keeps nextInt inside inclusive bounds, narrow and wide', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
        fc.integer({ min: 0, max: 2 ** 52 }),
        (seed, min, width) => {
          const rng = createRng(seed);
          for (let i = 0; i < 50; i++) {
            const v = nextInt(rng, min, min + width);
            assert.ok(Number.isSafeInteger(v) && v >= min && v <= min + width);
          }
        },
      ),
    );
  });

  it('hits both ends of a small range and spreads floats over [0, 1)', () => {
    const rng = createRng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(nextInt(rng, 1, 6));
    assert.deepEqual([...seen].sort(), [1, 2, 3, 4, 5, 6]);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const f = nextFloat(rng);
      assert.ok(f >= 0 && f < 1);
      sum += f;
    }
    assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
  });

  it('chance follows its probability and pick covers the list', () => {
    const rng = createRng(9);
    let hits = 0;
    for (let i = 0; i < 10000; i++) if (chance(rng, 0.3)) hits++;
    assert.ok(hits > 2700 && hits < 3300, `hits ${hits}`);
    const picked = new Set(Array.from({ length: 200 }, () => pick(rng, ['a', 'b', 'c'] as const)));
    assert.equal(picked.size, 3);
    assert.throws(() => pick(rng, []), RangeError);
  });
});
