import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addMonths, dayRange, formatIsoDay, parseIsoDay } from '../../src/generate/dates.js';

describe('dates', () => {
  const cases: Array<[string, boolean]> = [
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2023-02-30', false],
    ['2023-04-31', false],
    ['2023-13-01', false],
    ['2023-00-10', false],
    ['2023-01-00', false],
    ['2023/02/01', false],
    ['2023-2-1', false],
    ['20230201', false],
    ['2023-02-01T00:00:00Z', false],
    ['0001-01-01', true],
    ['1970-01-01', true],
  ];
  for (const [text, valid] of cases) {
    it(`parseIsoDay(${text}) is ${valid ? 'a day' : 'null'}`, () => {
      assert.equal(parseIsoDay(text) !== null, valid);
    });
  }

  it('epoch day 0 is 1970-01-01 and agrees with Date', () => {
    assert.equal(parseIsoDay('1970-01-01'), 0);
    fc.assert(
      fc.property(fc.integer({ min: -200000, max: 2900000 }), (day) => {
        const viaDate = new Date(day * 86400000).toISOString().slice(0, 10);
        assert.equal(formatIsoDay(day), viaDate);
        assert.equal(parseIsoDay(viaDate), day);
      }),
    );
  });

  const monthCases: Array<[string, number, string]> = [
    ['2022-11-01', 12, '2023-11-01'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2023-08-31', 3, '2023-11-30'],
    ['2023-12-15', 1, '2024-01-15'],
    ['2023-07-10', 6, '2024-01-10'],
  ];
  for (const [from, months, to] of monthCases) {
    it(`${from} + ${months} months = ${to}`, () => {
      assert.equal(formatIsoDay(addMonths(parseIsoDay(from) as number, months)), to);
    });
  }

  it('dayRange lists consecutive days across month and year ends', () => {
    assert.deepEqual(dayRange('2023-12-30', 4), ['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-02']);
    assert.throws(() => dayRange('2023-02-30', 1), RangeError);
  });
});
