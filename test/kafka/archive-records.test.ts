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
    // A journal line is a JSON object: any other JSON value, or text that is not strict JSON, is quarantined.
    const reasons: [string, string][] = [
      ['[1]', 'not a JSON object: got array'],
      ['[{"Id":7}]', 'not a JSON object: got array'],
      ['"{\\"Id\\":7}"', 'not a JSON object: got string'],
      ['7', 'not a JSON object: got number'],
      ['-0.5e3', 'not a JSON object: got number'],
      ['false', 'not a JSON object: got boolean'],
      [' null ', 'not a JSON object: got null'],
      ['{"Id":7,}', 'malformed JSON'],
      ['[1,]', 'malformed JSON'],
      ['{"Id":NaN}', 'malformed JSON'],
      ['{"Id":Infinity}', 'malformed JSON'],
      ["{'Id':7}", 'malformed JSON'],
      ['{"Id":7} // note', 'malformed JSON'],
      ['{"Id":07}', 'malformed JSON'],
      ['{"Id":7}{"Id":8}', 'malformed JSON'],
      ['\ufeff{"Id":7}', 'malformed JSON'],
      ['', 'malformed JSON'],
      ['{"s":"\\ud800"}', 'malformed JSON'], // a lone surrogate escape names no character
      ['{"s":"\\udc00\\ud800"}', 'malformed JSON'],
      ['{"s":"a\tb"}', 'malformed JSON'], // a raw control character in a string
    ];
    for (const [text, reason] of reasons) {
      const out = archiveMessage('t', { ...base, value: Buffer.from(text) }, { kind: 'timestamp' });
      assert.deepEqual(out.kind === 'quarantined' && [out.entry.reason, out.entry.value], [reason, text], text);
    }
    // Valid JSON objects are lines, whatever the run will think of them (a duplicate member name, say).
    for (const [text, line] of [['{"Id":7,"Id":8}', '{"Id":7,"Id":8}'], ['\r\n\t{ "a" : [ {} ] }\n', '{"a":[{}]}'], ['{"s":"\\ud83d\\ude00 \u2028"}', '{"s":"\\ud83d\\ude00 \u2028"}']]) {
      const out = archiveMessage('t', { ...base, value: Buffer.from(text!) }, { kind: 'timestamp' });
      assert.deepEqual(out, { kind: 'line', day: '2024-02-29', line }, text);
    }
    const notObjectByField = archiveMessage('t', { ...base, value: Buffer.from('["2023-12-31"]') }, { kind: 'field', field: 'd' });
    assert.equal(notObjectByField.kind === 'quarantined' && notObjectByField.entry.reason, 'not a JSON object: got array');
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
