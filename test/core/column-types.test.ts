import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { neutralType } from '../../src/core/column-types.js';

describe('neutralType', () => {
  const cases: [string, string][] = [
    ['BIGINT', 'bigint'], ['VARCHAR', 'string'], ['string', 'string'], ['DECIMAL(18,2)', 'decimal(18,2)'],
    ['decimal(18, 2)', 'decimal(18,2)'], ['MAP(VARCHAR, VARCHAR)', 'map<string,string>'], ['map<string,string>', 'map<string,string>'],
    ['MAP(VARCHAR, MAP(VARCHAR, INTEGER))', 'map<string,map<string,int>>'], ['DATE', 'date'],
  ];
  for (const [input, expected] of cases) it(`${input} -> ${expected}`, () => assert.equal(neutralType(input), expected));
});
