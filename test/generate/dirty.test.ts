import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIRTY_KINDS, makeDirtyLine } from '../../src/generate/journal.js';
import type { DirtyKind } from '../../src/generate/journal.js';
import { createRng } from '../../src/generate/rng.js';
import { classifyDirty } from './classify.js';
import { contractProblems } from './contract.js';

/** The single problem each kind must cause, worded as docs/SEMANTICS.md words it. */
const EXPECTED: Record<DirtyKind, RegExp> = {
  'malformed-json': /^malformed JSON$/,
  'json-array': /^not a JSON object$/,
  'json-number': /^not a JSON object$/,
  'missing-id': /^Id: missing$/,
  'null-id': /^Id: null$/,
  'string-id': /^Id: expected integer, got string$/,
  'fractional-id': /^Id: expected integer, got number$/,
  'id-out-of-range': /^Id: expected integer, got number$/,
  'cost-string': /^cost: expected decimal\(18,2\), got string$/,
  'active-string': /^active: expected boolean, got (string|number)$/,
  'subscription-number': /^subscription: expected string, got number$/,
  'subscription-object': /^subscription: expected string, got object$/,
  'date-number': /^end_date: expected date, got number$/,
  'impossible-date': /^start_date: invalid date$/,
  'bad-date-format': /^end_date: invalid date$/,
  'end-before-start': /^end_date before start_date$/,
  'cost-3-decimals': /^cost: not a decimal\(18,2\)$/,
  'cost-too-large': /^cost: not a decimal\(18,2\)$/,
};

describe('dirty lines', () => {
  it('lists every kind once', () => {
    assert.equal(new Set(DIRTY_KINDS).size, DIRTY_KINDS.length);
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...DIRTY_KINDS].sort());
  });

  for (const kind of DIRTY_KINDS) {
    it(`${kind}: breaks exactly one rule of the contract, for many seeds`, () => {
      for (let seed = 0; seed < 200; seed++) {
        const line = makeDirtyLine(kind, createRng(seed));
        assert.ok(!line.includes('\n'), 'one line');
        const problems = contractProblems(line);
        assert.equal(problems.length, 1, `${line} -> ${problems.join('; ')}`);
        assert.match(problems[0] as string, EXPECTED[kind], line);
        assert.equal(classifyDirty(line), kind, line);
      }
    });
  }

  it('is deterministic and usable without arguments', () => {
    for (const kind of DIRTY_KINDS) {
      assert.equal(makeDirtyLine(kind), makeDirtyLine(kind));
      assert.equal(makeDirtyLine(kind, createRng(5)), makeDirtyLine(kind, createRng(5)));
    }
  });

  it('starts from the base record it is given', () => {
    const base: Array<[string, string]> = [
      ['Id', '7'],
      ['active', 'true'],
      ['subscription', '"Kids"'],
      ['customer_first_name', '"Ana"'],
      ['customer_last_name', '"Silva"'],
      ['cost', '10.5'],
      ['start_date', '"2023-03-31"'],
      ['end_date', '"2023-04-30"'],
    ];
    assert.equal(
      makeDirtyLine('string-id', createRng(1), base),
      '{"Id":"7","active":true,"subscription":"Kids","customer_first_name":"Ana","customer_last_name":"Silva","cost":10.5,"start_date":"2023-03-31","end_date":"2023-04-30"}',
    );
    assert.equal(makeDirtyLine('json-number', createRng(1), base), '7');
  });
});
