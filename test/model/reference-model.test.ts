// Unit tests and properties of the reference model (test/model/reference-model.ts) against docs/SEMANTICS.md.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { foldRun } from './reference-model.js';
import type { CatalogEntry, ModelFile, ModelPolicies, ModelRejected, ModelRow, ModelRunResult } from './reference-model.js';

const LAST: ModelPolicies = { duplicates: 'last', nulls: 'overwrite', pii: 'drop' };
const FIRST: ModelPolicies = { ...LAST, duplicates: 'first' };
const REJECT: ModelPolicies = { ...LAST, duplicates: 'reject' };
const CATALOG: CatalogEntry[] = [
  { subscription: 'basic', numberOfChannels: 10, extras: { hd: 'no' } },
  { subscription: 'premium', numberOfChannels: 120, extras: { hd: 'yes', sport: 'yes' } },
];

/** An NDJSON file `date=<date>/part-<part>.jsonl` with one line per record (objects are stringified). */
function file(date: string, lines: Array<string | object>, part = 0): ModelFile {
  const content = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  return { path: `date=${date}/part-${String(part).padStart(5, '0')}.jsonl`, date, content };
}
const run = (files: ModelFile[], previous: ModelRow[] = [], policies = LAST, catalog = CATALOG): ModelRunResult =>
  foldRun(previous, files, catalog, policies);
const row = (r: ModelRunResult, id: string): ModelRow | undefined => r.rows.find((x) => x.Id === id);
/** The reason given for one record placed on line 2 of a file (line 1 makes the file NDJSON). */
function reasonFor(line: string): string | undefined {
  const r = run([file('2024-01-01', ['{"Id":1}', line])]);
  assert.ok(r.rejected.length <= 1);
  if (r.rejected[0] !== undefined) assert.equal(r.rejected[0].position, 2);
  return r.rejected[0]?.reason;
}

describe('record validation: reason texts', () => {
  const cases: Array<[string, string | undefined]> = [
    ['{"Id":', 'malformed JSON'],
    ['{"Id":1,}', 'malformed JSON'],
    ['42', 'not a JSON object'],
    ['"text"', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['[{"Id":1}]', 'not a JSON object'],
    ['{"Id":"x","cost":"1"}', 'Id: expected integer, got string; cost: expected decimal(18,2), got string'],
    ['{}', 'Id: missing'],
    ['{"active":true}', 'Id: missing'],
    ['{"Id":null}', 'Id: null'],
    ['{"Id":"7"}', 'Id: expected integer, got string'],
    ['{"Id":true}', 'Id: expected integer, got boolean'],
    ['{"Id":{}}', 'Id: expected integer, got object'],
    ['{"Id":[1]}', 'Id: expected integer, got array'],
    ['{"Id":12.5}', 'Id: expected integer, got number'],
    ['{"Id":1e-1}', 'Id: expected integer, got number'],
    ['{"Id":9223372036854775808}', 'Id: expected integer, got number'],
    ['{"Id":-9223372036854775809}', 'Id: expected integer, got number'],
    ['{"Id":1e19}', 'Id: expected integer, got number'],
    ['{"Id":1e999999999999}', 'Id: expected integer, got number'],
    ['{"Id":9223372036854775807}', undefined],
    ['{"Id":-9223372036854775808}', undefined],
    ['{"Id":2,"active":"yes"}', 'active: expected boolean, got string'],
    ['{"Id":2,"subscription":5}', 'subscription: expected string, got number'],
    ['{"Id":2,"customer_first_name":{}}', 'customer_first_name: expected string, got object'],
    ['{"Id":2,"customer_last_name":[]}', 'customer_last_name: expected string, got array'],
    ['{"Id":2,"cost":"1.00"}', 'cost: expected decimal(18,2), got string'],
    ['{"Id":2,"start_date":20240101}', 'start_date: expected date, got number'],
    ['{"Id":2,"end_date":false}', 'end_date: expected date, got boolean'],
    ['{"Id":2,"cost":1.234}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":0.001}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":1.505}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":1e16}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":-10000000000000000}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":1e-999999999999}', 'cost: not a decimal(18,2)'],
    ['{"Id":2,"cost":9999999999999999.99}', undefined],
    ['{"Id":2,"start_date":"2024-02-30"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"2023-02-29"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"1900-02-29"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"2024-13-01"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"2024-1-01"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"2024-01-01T00:00:00"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"0000-01-01"}', 'start_date: invalid date'],
    ['{"Id":2,"end_date":"2024-04-31"}', 'end_date: invalid date'],
    ['{"Id":2,"start_date":"2024-02-29","end_date":"2000-02-29"}', 'end_date before start_date'],
    ['{"Id":2,"start_date":"2024-02-29","end_date":"2024-02-29"}', undefined],
    ['{"Id":2,"start_date":"2024-02-30","end_date":"2000-02-29"}', 'start_date: invalid date'],
    ['{"Id":2,"start_date":"2024-01-01","end_date":null}', undefined],
    ['{"Id":2,"active":null,"subscription":null,"cost":null,"start_date":null,"end_date":null}', undefined],
    ['{"Id":2,"unknown":{"deep":[1,2]},"other":"ignored"}', undefined],
    // every problem: the key, then one per field in schema order, then the cross-field check
    [
      '{"active":1,"cost":1.234,"start_date":"2024-13-01","end_date":5,"subscription":"x"}',
      'Id: missing; active: expected boolean, got number; cost: not a decimal(18,2); start_date: invalid date; end_date: expected date, got number',
    ],
    [
      '{"Id":1.5,"cost":0.125,"start_date":"2024-02-02","end_date":"2024-02-01"}',
      'Id: expected integer, got number; cost: not a decimal(18,2); end_date before start_date',
    ],
  ];
  for (const [line, reason] of cases) {
    it(`${line} -> ${reason ?? 'accepted'}`, () => assert.equal(reasonFor(line), reason));
  }

  it('keeps the rejected raw text, file, date and position', () => {
    const r = run([{ path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id":1}\r\n\r\n{"Id":"x"}\r\n' }]);
    assert.deepEqual(r.rejected, [
      { journal_file: 'date=2024-01-01/a.jsonl', journal_date: '2024-01-01', position: 3, reason: 'Id: expected integer, got string', raw: '{"Id":"x"}' },
    ]);
  });
});

describe('values', () => {
  const accepted = (line: string): ModelRow => {
    const r = run([file('2024-01-01', [line])]);
    assert.deepEqual(r.rejected, []);
    assert.equal(r.rows.length, 1);
    return r.rows[0]!;
  };
  it('keeps integer keys exactly, beyond double precision', () => {
    assert.equal(accepted('{"Id":9223372036854775807}').Id, '9223372036854775807');
    assert.equal(accepted('{"Id":-9223372036854775808}').Id, '-9223372036854775808');
    assert.equal(accepted('{"Id":9007199254740993}').Id, '9007199254740993');
  });
  it('judges integer keys by spelling: no fraction, no exponent', () => {
    assert.equal(accepted('{"Id":-0}').Id, '0');
    for (const token of ['1e3', '12.0', '1500E-2']) {
      assert.equal(reasonFor(`{"Id":${token}}`), 'Id: expected integer, got number');
    }
  });
  const costs: Array<[string, string]> = [
    ['100.5', '100.50'], ['-3', '-3.00'], ['0', '0.00'], ['-0.0', '0.00'], ['1.230', '1.23'], ['1.500', '1.50'], ['1e-2', '0.01'],
    ['0.001e1', '0.01'], ['-0.5', '-0.50'], ['12E2', '1200.00'], ['9999999999999999.99', '9999999999999999.99'],
    ['-9999999999999999.99', '-9999999999999999.99'], ['12345678901234567e-2', '123456789012345.67'],
  ];
  for (const [token, text] of costs) {
    it(`cost ${token} -> ${text}`, () => assert.equal(accepted(`{"Id":1,"cost":${token}}`).cost, text));
  }
  it('maps every field; a missing field and null are the same', () => {
    assert.deepEqual(accepted('{"Id":5,"active":false,"subscription":"basic","cost":7.5,"start_date":"2024-02-29","end_date":"2024-03-01","customer_first_name":"Ann","x":1}'), {
      Id: '5', active: false, subscription: 'basic', cost: '7.50', start_date: '2024-02-29', end_date: '2024-03-01',
      numberOfChannels: '10', extras: { hd: 'no' },
      _journal_date: '2024-01-01', _journal_file: 'date=2024-01-01/part-00000.jsonl', _journal_line: 1,
    });
    assert.deepEqual(accepted('{"Id":6}'), accepted('{"Id":6,"active":null,"subscription":null,"cost":null,"start_date":null,"end_date":null}'));
  });
});

describe('format of a file', () => {
  // pii keep: the quarantine shows each record's text as read.
  const at = (content: string, path = 'date=2024-01-01/f.json'): ModelRunResult =>
    run([{ path, date: '2024-01-01', content }], [], { ...LAST, pii: 'keep' });
  it('array: each element is a record at its 1-based index; raw is the element re-serialized', () => {
    const r = at('  \n[ {"Id": 1}, {"Id": "x", "a": [1, 2]},\n 5, {"Id": 9223372036854775807} ]');
    assert.deepEqual(r.rows.map((x) => [x.Id, x._journal_line]), [[ '1', 1 ], [ '9223372036854775807', 4 ]]);
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason, x.raw]), [
      [2, 'Id: expected integer, got string', '{"Id":"x","a":[1,2]}'],
      [3, 'not a JSON object', '5'],
    ]);
    assert.equal(r.counts.inputRecords, 4);
  });
  it('a .json file that is not one JSON value is read line by line: one bad line takes no other record with it', () => {
    const r = at('[{"Id":1},\n{"Id":2}\n');
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason, x.raw]), [[1, 'malformed JSON', '[{"Id":1},']]);
    assert.deepEqual(r.rows.map((x) => [x.Id, x._journal_line]), [['2', 2]]);
  });
  it('a .json file of NDJSON lines whose first line is an array loses nothing', () => {
    const r = at('[900]\n{"Id":901}\n{"Id":902}\n');
    assert.deepEqual(r.rows.map((x) => [x.Id, x._journal_line]), [['901', 2], ['902', 3]]);
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason]), [[1, 'not a JSON object']]);
  });
  it('an NDJSON file is read line by line whatever its first line', () => {
    const r = at('[900]\n{"Id":901}\n{"Id":\n{"Id":902}', 'date=2024-01-01/f.jsonl');
    assert.deepEqual(r.rows.map((x) => x.Id), ['901', '902']);
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason]), [[1, 'not a JSON object'], [3, 'malformed JSON']]);
    assert.deepEqual(at('{"Id":1}', 'date=2024-01-01/f.ndjson').rows.map((x) => x.Id), ['1']);
  });
  it('an empty array has no record', () => assert.equal(at('[]').counts.inputRecords, 0));
  it('lines: positions are line numbers, blank lines skipped, \\r\\n and a lone \\r end a line', () => {
    const r = at('\r\n{"Id":1}\r\n   \r\n{"Id":2} \r{"Id":\r\n\n', 'date=2024-01-01/f.jsonl');
    assert.deepEqual(r.rows.map((x) => [x.Id, x._journal_line]), [[ '1', 2 ], [ '2', 4 ]]);
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason, x.raw]), [[5, 'malformed JSON', '{"Id":']]);
    assert.equal(r.counts.inputRecords, 3);
    assert.deepEqual(at('{"Id":1}\r{"Id":2}\r', 'date=2024-01-01/f.jsonl').rows.map((x) => [x.Id, x._journal_line]), [['1', 1], ['2', 2]]);
  });
  it('lines without a final newline; a byte order mark at the start is ignored', () => {
    assert.equal(at('{"Id":1}\n{"Id":2}').rows.length, 2);
    assert.deepEqual(at('\ufeff{"Id":1}\n', 'date=2024-01-01/f.jsonl').rows.map((x) => x.Id), ['1']);
    assert.deepEqual(at('\ufeff[{"Id":1}]').rows.map((x) => x.Id), ['1']);
  });
  it('document: a pretty-printed object is one record at position 1, raw is its compact text', () => {
    const r = at('\n{\n  "Id": 3,\n  "cost": 2.5\n}\n');
    assert.deepEqual(r.rows.map((x) => [x.Id, x.cost, x._journal_line]), [[ '3', '2.50', 1 ]]);
    assert.deepEqual(at('{\n  "Id": "3", "n": "a b"\n}\n').rejected.map((x) => [x.position, x.reason, x.raw]), [[1, 'Id: expected integer, got string', '{"Id":"3","n":"a b"}']]);
  });
  it('a document that does not parse is read line by line', () => {
    const r = at('{\n  "Id": 3,\n}\n');
    assert.deepEqual(r.rejected.map((x) => [x.position, x.reason, x.raw]), [[1, 'malformed JSON', '{'], [2, 'malformed JSON', '  "Id": 3,'], [3, 'malformed JSON', '}']]);
  });
  it('a file of whitespace only has no record', () => assert.equal(at(' \n\r\n').counts.inputRecords, 0));
});

describe('quarantine text under the PII policy', () => {
  const line = '{"Id":"x", "customer_first_name" : "Ann", "o": {"customer_first_name": "Bob"}, "customer_last_name": null}';
  const raw = (pii: ModelPolicies['pii'], text = line) =>
    run([file('2024-01-01', [text])], [], { ...LAST, pii, piiKey: 'k' }).rejected[0]?.raw;
  it('keep: as read', () => assert.equal(raw('keep'), line));
  it('drop: PII members left out, nested values untouched', () =>
    assert.equal(raw('drop'), '{"Id":"x","o":{"customer_first_name":"Bob"}}'));
  it('hash: PII values hashed as in the snapshot, null stays null', () => {
    const digest = createHmac('sha256', 'k').update('Ann').digest('hex');
    assert.equal(raw('hash'), `{"Id":"x","customer_first_name":"${digest}","o":{"customer_first_name":"Bob"},"customer_last_name":null}`);
  });
  it('an object without PII members keeps its text; anything else keeps none', () => {
    assert.equal(raw('drop', '{"Id": "x"}'), '{"Id": "x"}');
    for (const text of ['{"Id":', '[{"customer_first_name":"Ann"}]', '{"Id":1,"Id":2,"customer_first_name":"Ann"}']) assert.equal(raw('hash', text), null);
  });
});

describe('strict JSON', () => {
  const cases: Array<[string, string | undefined]> = [
    ['{"Id":1,}', 'malformed JSON'],
    ['{"Id":1,"cost":NaN}', 'malformed JSON'],
    ['{"Id":1,"cost":Infinity}', 'malformed JSON'],
    ['{"Id":01}', 'malformed JSON'],
    ['{"Id":1,"n":"\\ud800"}', 'malformed JSON'],
    ['{"Id":1,"n":"\\ud83d\\ude00"}', undefined],
    ['{"Id":1} {"Id":2}', 'malformed JSON'],
    ["{'Id':1}", 'malformed JSON'],
    ['{"Id":21,"Id":22}', 'duplicate member name'],
    ['{"Id":21,"x":1,"x":2}', 'duplicate member name'],
    ['{"Id":21,"\\u0049d":22}', 'duplicate member name'],
    ['{"Id":21,"o":{"x":1,"x":2}}', undefined],
    ['[{"Id":1,"Id":2}]', 'not a JSON object'],
  ];
  for (const [line, reason] of cases) {
    it(`${line} -> ${reason ?? 'accepted'}`, () => assert.equal(reasonFor(line), reason));
  }
});

describe('exact decimals', () => {
  const cases: Array<[string, string | undefined]> = [
    ['1234567890123456.78', '1234567890123456.78'],
    ['9999999999999999.99', '9999999999999999.99'],
    ['-9999999999999999.99', '-9999999999999999.99'],
    ['1.0000000000000000001', undefined],
    ['1e-400', undefined],
    ['0e-400', '0.00'],
    ['0e999999999999999999999', '0.00'],
    ['1.5e1', '15.00'],
    ['1234.5e-2', undefined],
    ['12345e-2', '123.45'],
    ['1.500', '1.50'],
    ['1.5000000000000000000000000000000000000000000', '1.50'],
    ['100000000000000000e-2', '1000000000000000.00'],
    ['-0', '0.00'],
    ['-0.00', '0.00'],
    ['1e15', '1000000000000000.00'],
    ['1e16', undefined],
  ];
  for (const [token, stored] of cases) {
    it(`cost ${token} -> ${stored ?? 'rejected'}`, () => {
      const r = run([file('2024-01-01', [`{"Id":1,"cost":${token}}`])]);
      assert.equal(r.rows[0]?.cost, stored);
      if (stored === undefined) assert.equal(r.rejected[0]?.reason, 'cost: not a decimal(18,2)');
    });
  }
});

describe('the fold', () => {
  const d1 = '2024-01-01';
  const d2 = '2024-01-02';
  const d3 = '2024-01-03';
  const costs = (r: ModelRunResult): Array<[string, string | null]> => r.rows.map((x) => [x.Id, x.cost]);

  it('last: the greatest order key of a (key, date) group wins', () => {
    const r = run([file(d1, [{ Id: 1, cost: 1 }, { Id: 1, cost: 2 }], 1), file(d1, [{ Id: 1, cost: 3 }, { Id: 2, cost: 4 }], 0)]);
    assert.deepEqual(costs(r), [['1', '2.00'], ['2', '4.00']]);
    assert.deepEqual([row(r, '1')?._journal_file, row(r, '1')?._journal_line], ['date=2024-01-01/part-00001.jsonl', 2]);
  });
  it('first: the smallest order key wins', () => {
    const r = run([file(d1, [{ Id: 1, cost: 1 }, { Id: 1, cost: 2 }], 1), file(d1, [{ Id: 1, cost: 3 }], 0)], [], FIRST);
    assert.deepEqual(costs(r), [['1', '3.00']]);
  });
  it('the newest journal date wins whatever the policy', () => {
    for (const p of [LAST, FIRST, REJECT]) {
      const r = run([file(d2, [{ Id: 1, cost: 2 }]), file(d1, [{ Id: 1, cost: 1 }], 9)], [], p);
      assert.deepEqual(costs(r), [['1', '2.00']]);
    }
  });
  it('file order given does not matter; file paths compare in natural order', () => {
    const a = { path: 'date=2024-01-01/Z.jsonl', date: d1, content: '{"Id":1,"cost":1}' };
    const b = { path: 'date=2024-01-01/a.jsonl', date: d1, content: '{"Id":1,"cost":2}' };
    assert.deepEqual(run([a, b]), run([b, a]));
    assert.deepEqual(costs(run([a, b])), [['1', '2.00']]);  // 'Z' < 'a'
    const numbered = (n: string, cost: number) => ({ path: `date=2024-01-01/${n}.json`, date: d1, content: `{"Id":1,"cost":${cost}}` });
    assert.deepEqual(costs(run([numbered('11', 11), numbered('9', 9), numbered('2', 2), numbered('10', 10)])), [['1', '11.00']]);
    assert.deepEqual(costs(run([numbered('01', 1), numbered('1', 2)])), [['1', '1.00']]);  // equal numbers: more leading zeros later
  });
  it('an order field decides within a day before the file, null first', () => {
    const orderBy: ModelPolicies = { ...LAST, orderField: 'start_date' };
    const a = file(d1, [{ Id: 1, cost: 1, start_date: '2023-05-01' }], 0);
    const b = file(d1, [{ Id: 1, cost: 2, start_date: '2023-04-01' }, { Id: 1, cost: 3 }], 1);
    assert.deepEqual(costs(run([a, b], [], orderBy)), [['1', '1.00']]);
    assert.deepEqual(costs(run([a, b], [], { ...orderBy, duplicates: 'first' })), [['1', '3.00']]);
    const v1 = run([a], [], orderBy);
    assert.deepEqual(costs(run([b], v1.rows, orderBy)), [['1', '1.00']], 'a later file with an older order value does not replace');
    const byCost: ModelPolicies = { ...LAST, orderField: 'cost' };
    assert.deepEqual(costs(run([file(d1, [{ Id: 1, cost: 10 }], 0), file(d1, [{ Id: 1, cost: 9.5 }], 1)], [], byCost)), [['1', '10.00']]);
  });
  it('late data never undoes newer data', () => {
    for (const p of [LAST, FIRST, REJECT]) {
      const v1 = run([file(d2, [{ Id: 1, cost: 2 }])], [], p);
      const v2 = run([file(d1, [{ Id: 1, cost: 1 }], 5)], v1.rows, p);
      assert.deepEqual(v2.rows, v1.rows);
      assert.deepEqual(v2.counts, { ...v2.counts, inserted: 0, updated: 0, unchanged: 1, acceptedRecords: 1 });
    }
  });
  it('a newer date in a later run replaces the row', () => {
    const v1 = run([file(d1, [{ Id: 1, cost: 1 }])]);
    const v2 = run([file(d2, [{ Id: 1, cost: 2 }])], v1.rows);
    assert.deepEqual(costs(v2), [['1', '2.00']]);
    assert.equal(row(v2, '1')?._journal_date, d2);
    assert.equal(v2.counts.updated, 1);
  });
  it('same date in a later run: last replaces on a greater order key, first on a smaller one', () => {
    const v1 = run([file(d1, [{ Id: 1, cost: 1 }], 1)]);
    const later = file(d1, [{ Id: 1, cost: 2 }], 2);
    const earlier = file(d1, [{ Id: 1, cost: 3 }], 0);
    assert.deepEqual(costs(run([later], v1.rows, LAST)), [['1', '2.00']]);
    assert.deepEqual(costs(run([earlier], v1.rows, LAST)), [['1', '1.00']]);
    assert.deepEqual(costs(run([later], v1.rows, FIRST)), [['1', '1.00']]);
    assert.deepEqual(costs(run([earlier], v1.rows, FIRST)), [['1', '3.00']]);
  });

  describe('reject', () => {
    it('rejects every record of a conflicting group, other keys unaffected', () => {
      const r = run([file(d1, [{ Id: 1, cost: 1 }, { Id: 2 }, { Id: 1, cost: 2 }])], [], REJECT);
      assert.deepEqual(r.rows.map((x) => x.Id), ['2']);
      assert.deepEqual(r.rejected.map((x) => [x.position, x.reason, x.raw]), [
        [1, 'conflicting duplicates for Id 1 on 2024-01-01', '{"Id":1,"cost":1}'],
        [3, 'conflicting duplicates for Id 1 on 2024-01-01', '{"Id":1,"cost":2}'],
      ]);
      assert.deepEqual(r.counts, { inputRecords: 3, acceptedRecords: 1, rejectedRecords: 2, inserted: 1, updated: 0, unchanged: 0, totalKeys: 1, unmatchedSubscriptions: 1 });
    });
    it('keeps the greatest record of an identical group (stored values: normalized, post-PII)', () => {
      const r = run([file(d1, ['{"Id":1,"cost":1.5,"customer_first_name":"A"}', '{"Id":1,"cost":1.50,"customer_first_name":"B","extra":1}'])], [], REJECT);
      assert.deepEqual(r.rejected, []);
      assert.deepEqual([row(r, '1')?.cost, row(r, '1')?._journal_line], ['1.50', 2]);
      const kept = run([file(d1, ['{"Id":1,"customer_first_name":"A"}', '{"Id":1,"customer_first_name":"B"}'])], [], { ...REJECT, pii: 'keep' });
      assert.equal(kept.rejected.length, 2);
    });
    it('same key and date in a later run: identical changes nothing, different is rejected', () => {
      const v1 = run([file(d1, [{ Id: 1, cost: 1 }], 0)], [], REJECT);
      const same = run([file(d1, [{ Id: 1, cost: 1 }], 1)], v1.rows, REJECT);
      assert.deepEqual(same.rows, v1.rows);
      assert.deepEqual([same.counts.unchanged, same.counts.updated, same.counts.rejectedRecords], [1, 0, 0]);
      const other = run([file(d1, [{ Id: 1, cost: 2 }, { Id: 1, cost: 2 }], 1)], v1.rows, REJECT);
      assert.deepEqual(other.rows, v1.rows);
      assert.deepEqual(other.rejected.map((x) => [x.position, x.reason]), [
        [1, 'conflicting duplicates for Id 1 on 2024-01-01'],
        [2, 'conflicting duplicates for Id 1 on 2024-01-01'],
      ]);
      assert.deepEqual([other.counts.inputRecords, other.counts.acceptedRecords, other.counts.unchanged], [2, 0, 1]);
    });
  });

  describe('nulls', () => {
    const group = [file(d1, [{ Id: 1, active: true, cost: 1 }, { Id: 1, subscription: 'basic', cost: 2 }, { Id: 1, start_date: '2024-01-01' }])];
    it('overwrite takes the chosen record as it is', () => {
      assert.deepEqual(row(run(group), '1'), { ...row(run(group), '1'), active: null, subscription: null, cost: null, start_date: '2024-01-01' });
    });
    it('coalesce with last fills nulls from the newest non-null value of the group', () => {
      const r = row(run(group, [], { ...LAST, nulls: 'coalesce' }), '1');
      assert.deepEqual([r?.active, r?.subscription, r?.cost, r?.start_date, r?._journal_line], [true, 'basic', '2.00', '2024-01-01', 3]);
    });
    it('coalesce with first fills nulls from the oldest non-null value of the group', () => {
      const r = row(run(group, [], { ...FIRST, nulls: 'coalesce' }), '1');
      assert.deepEqual([r?.active, r?.subscription, r?.cost, r?.start_date, r?._journal_line], [true, 'basic', '1.00', '2024-01-01', 1]);
    });
    it('coalesce keeps the row values for the null fields of a replacing candidate', () => {
      const p: ModelPolicies = { ...LAST, nulls: 'coalesce', pii: 'keep' };
      const v1 = run([file(d1, [{ Id: 1, active: true, cost: 1, customer_last_name: 'Doe' }])], [], p);
      const v2 = run([file(d2, [{ Id: 1, cost: 2 }])], v1.rows, p);
      assert.deepEqual([row(v2, '1')?.active, row(v2, '1')?.cost, row(v2, '1')?.customer_last_name, row(v2, '1')?._journal_date], [true, '2.00', 'Doe', d2]);
      const overwritten = run([file(d2, [{ Id: 1, cost: 2 }])], v1.rows, { ...p, nulls: 'overwrite' });
      assert.deepEqual([row(overwritten, '1')?.active, row(overwritten, '1')?.customer_last_name], [null, null]);
    });
  });

  describe('pii', () => {
    const names = [file(d1, [{ Id: 1, customer_first_name: 'José', customer_last_name: null }])];
    it('drop removes the fields', () => {
      const r = row(run(names), '1')!;
      assert.ok(!('customer_first_name' in r) && !('customer_last_name' in r));
    });
    it('keep keeps the text', () => {
      assert.deepEqual([row(run(names, [], { ...LAST, pii: 'keep' }), '1')?.customer_first_name, row(run(names, [], { ...LAST, pii: 'keep' }), '1')?.customer_last_name], ['José', null]);
    });
    it('hash is the lowercase hex HMAC-SHA256 of the UTF-8 value; nulls stay null', () => {
      const r = row(run(names, [], { ...LAST, pii: 'hash', piiKey: 'secret' }), '1')!;
      assert.equal(r.customer_first_name, createHmac('sha256', 'secret').update(Buffer.from('José', 'utf8')).digest('hex'));
      assert.equal(r.customer_last_name, null);
      // RFC 4231 test case 2
      const rfc = row(run([file(d1, [{ Id: 1, customer_first_name: 'what do ya want for nothing?' }])], [], { ...LAST, pii: 'hash', piiKey: 'Jefe' }), '1')!;
      assert.equal(rfc.customer_first_name, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    });
    it('hash without a key is an error', () => assert.throws(() => run(names, [], { ...LAST, pii: 'hash' })));
  });

  describe('enrichment', () => {
    const files = [file(d1, [{ Id: 3, subscription: 'premium' }, { Id: 1, subscription: 'none' }, { Id: 2 }])];
    it('LEFT joins on subscription; no match (or null) keeps nulls and is counted', () => {
      const r = run(files);
      assert.deepEqual(r.rows.map((x) => [x.Id, x.numberOfChannels, x.extras]), [['1', null, null], ['2', null, null], ['3', '120', { hd: 'yes', sport: 'yes' }]]);
      assert.equal(r.counts.unmatchedSubscriptions, 2);
    });
    it('re-applies the join to every row at every run; previous enrichment is ignored', () => {
      const v1 = run(files);
      const v2 = run([], v1.rows, LAST, [{ subscription: 'none', numberOfChannels: 1, extras: {} }]);
      assert.deepEqual(v2.rows.map((x) => [x.Id, x.numberOfChannels, x.extras]), [['1', '1', {}], ['2', null, null], ['3', null, null]]);
      assert.equal(v2.counts.unmatchedSubscriptions, 2);
    });
    it('a subscription twice in the catalog fails the run', () => {
      assert.throws(() => run(files, [], LAST, [...CATALOG, { subscription: 'basic', numberOfChannels: 1, extras: {} }]));
    });
  });

  it('counts reconcile; rows sorted numerically by Id; rejected sorted by order key', () => {
    const v1 = run([file(d1, [{ Id: 10 }, { Id: 9 }, { Id: -1 }])]);
    assert.deepEqual(v1.rows.map((x) => x.Id), ['-1', '9', '10']);
    // a bad line takes no other record with it: the d1 file's second line updates Id 10 (a later file of the same day)
    const v2 = run([file(d2, [{ Id: 9, cost: 1 }, '{', { Id: 11 }]), file(d1, ['x', { Id: 10 }], 7), file(d3, [{ Id: 'z' }])], v1.rows);
    assert.deepEqual(v2.rows.map((x) => x.Id), ['-1', '9', '10', '11']);
    assert.deepEqual(v2.rejected.map((x) => [x.journal_date, x.position]), [[d1, 1], [d2, 2], [d3, 1]]);
    assert.deepEqual(v2.counts, { inputRecords: 6, acceptedRecords: 3, rejectedRecords: 3, inserted: 1, updated: 2, unchanged: 1, totalKeys: 4, unmatchedSubscriptions: 4 });
  });
});

// ----------------------------------------------------------------------------------------------
// Properties
// ----------------------------------------------------------------------------------------------

const DATES = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-02-29'];
const arbLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.record({
    Id: fc.integer({ min: 1, max: 6 }),
    active: fc.option(fc.boolean()),
    subscription: fc.option(fc.constantFrom('basic', 'premium', 'other')),
    customer_first_name: fc.option(fc.constantFrom('Ann', 'Bob')),
    cost: fc.option(fc.integer({ min: -500, max: 500 }).map((c) => c / 100)),
    start_date: fc.option(fc.constantFrom(...DATES)),
  }, { requiredKeys: ['Id'] }).map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.constantFrom('{"Id":', '{"Id":"1"}', '[]', '{"Id":1,"cost":0.001}', '{"Id":2,"start_date":"2024-02-30"}') },
);
/** Files for the given dates: per date 1-2 NDJSON files of 1-4 lines. */
const arbFiles: fc.Arbitrary<ModelFile[]> = fc.tuple(
  ...DATES.map((date) => fc.array(fc.array(arbLine, { minLength: 1, maxLength: 4 }), { maxLength: 2 })
    .map((parts) => parts.map((lines, i) => file(date, lines, i)))),
).map((perDate) => perDate.flat());
const arbPolicies: fc.Arbitrary<ModelPolicies> = fc.record({
  duplicates: fc.constantFrom('last' as const, 'first' as const, 'reject' as const),
  nulls: fc.constantFrom('overwrite' as const, 'coalesce' as const),
  pii: fc.constantFrom('drop' as const, 'hash' as const, 'keep' as const),
  piiKey: fc.constant('k'),
});

describe('properties', () => {
  it('no key is lost across runs, and counts reconcile', () => {
    fc.assert(fc.property(arbFiles, arbFiles, arbPolicies, (a, b, p) => {
      const v1 = run(a, [], p);
      const v2 = run(b.map((f) => ({ ...f, path: `${f.path}.2` })), v1.rows, p);
      const keys = new Set(v2.rows.map((x) => x.Id));
      assert.ok(v1.rows.every((x) => keys.has(x.Id)));
      for (const r of [v1, v2]) {
        const c = r.counts;
        assert.equal(c.inputRecords, c.acceptedRecords + c.rejectedRecords);
        assert.equal(c.rejectedRecords, r.rejected.length);
        assert.equal(c.totalKeys, c.inserted + c.updated + c.unchanged);
        assert.equal(c.totalKeys, r.rows.length);
      }
      assert.equal(v2.counts.inserted, v2.rows.length - v1.rows.length);
    }));
  });

  it('last/first with overwrite: folding day by day (days in any order) equals folding all at once', () => {
    fc.assert(fc.property(
      arbFiles, fc.constantFrom(LAST, FIRST), fc.constantFrom<ModelPolicies['pii']>('drop', 'keep'), fc.func(fc.integer()),
      (files, base, pii, rank) => {
        const p = { ...base, pii };
        const all = run(files, [], p);
        const days = [...DATES].sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : 1));
        let rows: ModelRow[] = [];
        const rejected: ModelRejected[] = [];
        let input = 0;
        for (const day of days) {
          const r = run(files.filter((f) => f.date === day), rows, p);
          rows = r.rows;
          rejected.push(...r.rejected);
          input += r.counts.inputRecords;
        }
        assert.deepEqual(rows, all.rows);
        assert.deepEqual(rejected.sort((x, y) => (x.journal_date < y.journal_date ? -1 : x.journal_date > y.journal_date ? 1 : 0)), all.rejected);
        assert.equal(input, all.counts.inputRecords);
      },
    ));
  });

  it('a rerun with no file changes nothing but the counts', () => {
    fc.assert(fc.property(arbFiles, arbPolicies, (files, p) => {
      const v1 = run(files, [], p);
      const v2 = run([], v1.rows, p);
      assert.deepEqual(v2.rows, v1.rows);
      assert.deepEqual(v2.rejected, []);
      assert.deepEqual(v2.counts, {
        inputRecords: 0, acceptedRecords: 0, rejectedRecords: 0, inserted: 0, updated: 0,
        unchanged: v1.rows.length, totalKeys: v1.rows.length, unmatchedSubscriptions: v1.counts.unmatchedSubscriptions,
      });
    }));
  });
});
