import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { archiveMessage, compactJson, parseSegmentFileName, segmentFileName, topicProblem } from '../../src/kafka/archive-records.js';
import { keyOfLine } from '../../src/kafka/produce-journal.js';

describe('archive records', () => {
  it('compactJson removes exactly the whitespace between tokens', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t', ' \r\n'), (value, indent) => {
        const text = typeof indent === 'string' && indent.includes('\r') ? JSON.stringify(value, null, 2).replace(/\n/g, '\r\n') : JSON.stringify(value, null, indent);
        const compact = compactJson(text);
        assert.equal(compact, JSON.stringify(value));
        assert.ok(!/[\r\n]/.test(compact));
      }),
      { numRuns: 500 },
    );
    assert.equal(compactJson('{ "a" : 10.50 , "b":[ 1e1 ,"x \\" y"] }'), '{"a":10.50,"b":[1e1,"x \\" y"]}');
  });

  it('days from timestamps or a field; what cannot be a line is quarantined', () => {
    const base = { partition: 2, offset: 41n, timestamp: Date.parse('2024-02-29T23:59:59.999Z'), key: Buffer.from('7') };
    const line = archiveMessage('t', { ...base, value: Buffer.from('{"Id":7}') }, { kind: 'timestamp' });
    assert.deepEqual(line, { kind: 'line', day: '2024-02-29', line: '{"Id":7}' });
    const byField = archiveMessage('t', { ...base, value: Buffer.from('{"Id":7,"d":"2023-12-31T10:00:00Z"}') }, { kind: 'field', field: 'd' });
    assert.equal(byField.kind === 'line' && byField.day, '2023-12-31');
    const noDay = archiveMessage('t', { ...base, value: Buffer.from('{"Id":7,"d":"2023-02-30"}') }, { kind: 'field', field: 'd' });
    assert.equal(noDay.kind === 'quarantined' && noDay.entry.reason, 'no day: field d is missing or not a date');
    const array = archiveMessage('t', { ...base, value: Buffer.from('[1]') }, { kind: 'timestamp' });
    assert.equal(array.kind, 'line', 'a JSON value that is not a record is the run\'s to judge');
    const tomb = archiveMessage('t', { ...base, value: null }, { kind: 'timestamp' });
    assert.deepEqual(tomb.kind === 'quarantined' && tomb.entry, {
      topic: 't', partition: 2, offset: '41', timestamp: '2024-02-29T23:59:59.999Z', key: '7',
      reason: 'tombstone (no value): keys are never deleted', value: null,
    });
  });

  it('segment names sort in offset order and parse back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 63n - 2n }), fc.bigInt({ min: 0n, max: 2n ** 63n - 2n }), fc.nat({ max: 99999 }), (a, b, p) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const name = segmentFileName('subs.v1', p, lo, hi);
        assert.deepEqual(parseSegmentFileName(name), { topic: 'subs.v1', partition: p, first: lo, last: hi });
        const later = segmentFileName('subs.v1', p, hi + 1n, hi + 1n);
        assert.ok(Buffer.compare(Buffer.from(name), Buffer.from(later)) < 0);
      }),
    );
    assert.match(topicProblem('_hidden') ?? '', /ignores/);
    assert.match(topicProblem('a b') ?? '', /not a legal/);
    assert.equal(topicProblem('subscriptions'), undefined);
  });

  it('the generator keys a line by its Id', () => {
    assert.equal(keyOfLine('{"Id": 12, "active": true}'), '12');
    assert.equal(keyOfLine('{"active":true,"Id":-3}'), '-3');
    assert.equal(keyOfLine('{"Id":"12"}'), null);
    assert.equal(keyOfLine('{"Id":1.5}'), null);
  });
});
