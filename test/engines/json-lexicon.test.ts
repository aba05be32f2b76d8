// The regular expressions that complement the engines' JSON parsers, as properties over token soups:
// the one-pass test for the usual record never accepts what the general grammar refuses, nor a text
// with a number a double may not hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JSON_STRING, JSON_TOKENS, NEEDS_EXACT_NUMBERS, SHORT_NUMBER_JSON_TOKENS } from '../../src/engines/json-lexicon.js';

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const shortNumbers = whole(SHORT_NUMBER_JSON_TOKENS);
const tokens = whole(JSON_TOKENS);
const strings = new RegExp(JSON_STRING, 'g');
const inexact = new RegExp(NEEDS_EXACT_NUMBERS);

const numberText = fc.stringMatching(/^-?[0-9]{1,20}(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?$/);
const piece = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', ':', ',', ' ', '\n', '\t', 'true', 'false', 'null', 'NaN', 'e', 'E', '.', '-', '+', '0', '7',
    '"a"', '"1234567890123456"', '"\\""', '"x\\\\"', '"1e5"'),
  numberText,
);

describe('JSON lexicon', () => {
  it('a text with only short numbers is made of JSON tokens and holds no number a double may not hold', () => {
    let matched = 0;
    fc.assert(fc.property(fc.array(piece, { maxLength: 14 }), (parts) => {
      const text = parts.join('');
      if (!shortNumbers.test(text)) return;
      matched++;
      assert.ok(tokens.test(text), text);
      // Digits inside strings do not matter: only numbers are read through a double.
      assert.ok(!inexact.test(text.replace(strings, '""')), text);
    }), { numRuns: 20000 });
    assert.ok(matched > 1000, `only ${matched} texts exercised the one-pass test`);
  });

  it('numbers of 16 digits, with an exponent, or touching another number are left to the general grammar', () => {
    for (const text of ['{"a":1234567890123456}', '{"a":123456789012345.6}', '{"a":0.000000000000001}', '{"a":1e5}', '{"a":1E-2}',
      '{"a":[1,1234567890123456]}', '[123456789012345,1234567890123456]', '[1-2]', '{"a":1,}', '{"a":NaN}'])
      assert.equal(shortNumbers.test(text), false, text);
    for (const text of ['{"Id":8861517,"cost":188.95,"s":"2023-09-22"}', '[1,2, 3]', '{"a":-0.5,"b":[0,{"c":123456789012345}]}', '{"a":"1234567890123456789"}'])
      assert.equal(shortNumbers.test(text), true, text);
  });
});
