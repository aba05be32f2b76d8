// The strict JSON scanner against an independent oracle: JSON.parse (RFC 8259 syntax) plus "no lone
// surrogate in any string", on generated values, their whitespace variants and near-miss mutations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isSingleJsonValue, JsonTextScanner, jsonValueLines } from '../../src/lake/json-text.js';

function strictOracle(text: string): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const wellFormed = (v: unknown): boolean =>
    typeof v === 'string' ? v.isWellFormed()
      : Array.isArray(v) ? v.every(wellFormed)
        : v !== null && typeof v === 'object' ? Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormed(x)) : true;
  // Duplicate names are valid JSON; JSON.parse keeps the last, which does not matter for validity.
  return wellFormed(value) ? (Array.isArray(value) ? value : [value]) : undefined;
}

const compact = (text: string) => text.replace(/("(?:[^"\\]|\\.)*")|[ \t\n\r]+/g, (_m, s: string | undefined) => s ?? '');

/** JSON text with random whitespace between tokens. */
const anyJson = fc.oneof(fc.json({ maxDepth: 3 }), fc.json({ maxDepth: 2, stringUnit: 'binary' }));
const spaced = fc.tuple(anyJson, fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  '), { minLength: 64, maxLength: 64 }))
  .map(([json, spaces]) => {
    let k = 0;
    return json.replace(/("(?:[^"\\]|\\.)*")|([,:{}[\]])/g, (m, s: string | undefined) => (s ? s : `${spaces[k++ % 64]}${m}${spaces[k++ % 64]}`));
  });

const MUTATIONS = ['insert', 'delete', 'replace'] as const;
const mutated = fc.tuple(spaced, fc.constantFrom(...MUTATIONS), fc.nat(), fc.constantFrom(',', ']', '}', '"', '\\', 'NaN', '0', '01', '.', 'e', '-', '\\ud800', '\\udc00', '\\u00e9', ' ', 'x', '\u0001', 'tru', '//', "'"))
  .map(([text, kind, at, piece]) => {
    const i = text.length ? at % text.length : 0;
    if (kind === 'insert') return text.slice(0, i) + piece + text.slice(i);
    if (kind === 'delete') return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + piece + text.slice(i + 1);
  });

describe('strict JSON scanner', () => {
  it('agrees with the oracle on valid values and their mutations', () => {
    fc.assert(
      fc.property(fc.oneof(spaced, mutated), (text) => {
        fc.pre(text.isWellFormed());
        const expected = strictOracle(text);
        assert.equal(isSingleJsonValue(text), expected !== undefined, text);
        const lines = jsonValueLines(text);
        if (expected === undefined) return assert.equal(lines, undefined);
        assert.deepEqual(lines!.map((l) => JSON.parse(l)), expected);
        for (const line of lines!) assert.equal(line, compact(line), 'no whitespace between tokens');
        const root = compact(text);
        assert.equal(Array.isArray(JSON.parse(text)) ? `[${lines!.join(',')}]` : lines![0], root, 'tokens kept as written');
      }),
      { numRuns: 20000 },
    );
  });

  it('is fed in pieces of any size', () => {
    fc.assert(
      fc.property(fc.oneof(spaced, mutated), fc.integer({ min: 1, max: 7 }), (text, size) => {
        fc.pre(text.isWellFormed());
        const lines: string[] = [];
        const scanner = new JsonTextScanner((l) => lines.push(l));
        let ok = true;
        for (let i = 0; i < text.length && ok; i += size) ok = scanner.write(text.slice(i, i + size));
        ok = ok && scanner.end();
        const whole = jsonValueLines(text);
        assert.equal(ok, whole !== undefined);
        if (ok) assert.deepEqual(lines, whole);
      }),
      { numRuns: 5000 },
    );
  });

  it('names the strictness cases', () => {
    const table: [string, boolean][] = [
      ['{"a":1,}', false], ['[1,2,]', false], ['{"a":NaN}', false], ['{"a":Infinity}', false], ['{"a":01}', false],
      ['{"a":1.}', false], ['{"a":.5}', false], ['{"a":+1}', false], ['{"a":"\\ud800"}', false], ['{"a":"\\udc00"}', false],
      ['{"a":"\\ud800x"}', false], ['{"a":"\\ud800\\n"}', false], ['{"a":"\\ud800\\udc00"}', true], ['{"a":"x\ty"}', false],
      ['{"a":"\\x"}', false], ['{/*c*/"a":1}', false], ["{'a':1}", false], ['{"a":1} x', false], ['{"a":1}\n{"b":2}', false],
      ['{"a":1,"a":2}', true], ['{"a":1e5}', true], ['{"a":-0}', true], ['[]', true], ['[ ]', true], ['{}', true], ['"x"', true],
      ['  12  ', true], ['', false], ['   ', false], ['[[],[{}]]', true], ['[,]', false], ['[1 2]', false], ['{"a" 1}', false], ['{"a":1}}', false],
    ];
    for (const [text, ok] of table) assert.equal(isSingleJsonValue(text), ok, text);
    assert.deepEqual(jsonValueLines('[ {"a" : 1.50} ,\n 2e3, "x y", [ ] ]'), ['{"a":1.50}', '2e3', '"x y"', '[]']);
    assert.deepEqual(jsonValueLines('{\n  "Id": 1,\n  "n": "a b"\n}\n'), ['{"Id":1,"n":"a b"}']);
    assert.deepEqual(jsonValueLines('[]'), []);
  });
});
