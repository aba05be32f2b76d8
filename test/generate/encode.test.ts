import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createDayGenerator, resolveJournalOptions } from '../../src/generate/journal.js';
import { centsToJson } from '../../src/generate/plans.js';
import { contractProblems } from './contract.js';

// The writer encodes records straight to bytes while generateDayLines builds strings;
// the two must never disagree, whatever the options.
describe('byte encoder', () => {
  it('writes exactly the UTF-8 of the string lines, for arbitrary options', () => {
    const options = fc.record({
      seed: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      start: fc.constant('2024-01-01'),
      days: fc.constant(1),
      recordsPerDay: fc.integer({ min: 1, max: 300 }),
      idMin: fc.integer({ min: -(2 ** 53) + 1, max: 1000 }),
      span: fc.integer({ min: 0, max: 2 ** 52 }),
      dirtyRate: fc.double({ min: 0, max: 1, noNaN: true }),
      duplicateRate: fc.double({ min: 0, max: 1, noNaN: true }),
      nullRate: fc.double({ min: 0, max: 1, noNaN: true }),
      unknownSubscriptionRate: fc.double({ min: 0, max: 1, noNaN: true }),
      filesPerDay: fc.integer({ min: 1, max: 5 }),
      date: fc.integer({ min: 0, max: 40000 }).map((d) => new Date(d * 86400000).toISOString().slice(0, 10)),
    });
    fc.assert(
      fc.property(options, ({ span, date, ...rest }) => {
        const o = resolveJournalOptions({ ...rest, idMax: Math.min(rest.idMin + span, 2 ** 53 - 1) });
        const asStrings = createDayGenerator(o, date);
        const asBytes = createDayGenerator(o, date);
        const buf = Buffer.alloc(o.recordsPerDay * 2048);
        let at = 0;
        const lines: string[] = [];
        for (let i = 0; i < o.recordsPerDay; i++) {
          lines.push(asStrings.next());
          at = asBytes.nextInto(buf, at);
        }
        assert.equal(buf.subarray(0, at).toString('utf8'), lines.map((l) => `${l}\n`).join(''));
        if (o.dirtyRate === 0) for (const l of lines) assert.deepEqual(contractProblems(l), [], l);
        assert.throws(() => asStrings.next(), RangeError);
      }),
      { numRuns: 150 },
    );
  });

  const cents: Array<[number, string]> = [
    [0, '0'],
    [5, '0.05'],
    [50, '0.5'],
    [100, '1'],
    [10050, '100.5'],
    [10055, '100.55'],
    [-1999, '-19.99'],
  ];
  for (const [c, text] of cents) {
    it(`writes ${c} cents as ${text}`, () => {
      assert.equal(centsToJson(c), text);
      assert.equal(JSON.stringify(c / 100), text);
    });
  }
});
