// Edge inputs that once went silently wrong, as data: every engine folds them and must equal the
// reference model. Each corpus is one journal, so a whole class costs one run.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Engine } from '../../src/engines/engine.js';
import type { ModelFile } from '../model/reference-model.js';

const D = '2024-01-01';

/** Money tokens at the edges of decimal(18,2): range, scale, exponents, zeros (one record each). */
export const DECIMAL_TOKENS = [
  '0', '-0', '0.0', '-0.00', '1', '1.5', '1.50', '1.500', '1.505', '0.01', '0.001', '100', '12.34',
  '1234567890123456.78', '9999999999999999.99', '-9999999999999999.99', '10000000000000000', '9999999999999999.995',
  '1.0000000000000000001', '0.1000000000000000000000000000000000000000001', '123456789012345.67', '12345678901234.56',
  '1e-400', '0e-400', '0e999999999999999999999', '1e999999999999999999999', '1.5e1', '1.5E+1', '15e-1', '1234.5e-2',
  '12345e-2', '1e15', '1e16', '1e-2', '1e-3', '100000000000000000e-2', '5E-1', '-5e-1', '0.5e1', '1.23e2',
  '99999999999999999999999999999999999999999', '0.00000000000000000000000000000000000000001',
];

export function decimalJournal(): ModelFile {
  const lines = DECIMAL_TOKENS.map((t, i) => `{"Id":${i + 1},"cost":${t}}`);
  return { path: `date=${D}/decimals.jsonl`, date: D, content: `${lines.join('\n')}\n` };
}

/** RFC 8259 conformance: strict JSON, duplicate names, strict dates, keys, escapes (one record each). */
export const JSON_LINES = [
  '{"Id":1,}', '{"Id":2,"cost":NaN}', '{"Id":3,"cost":Infinity}', '{"Id":4,"cost":-Infinity}', '{"Id":05}', '{"Id":6,"cost":+1}',
  '{"Id":7,"cost":.5}', '{"Id":8,"cost":1.}', '{"Id":9,"subscription":"\\ud800"}', '{"Id":10,"subscription":"\\udc00x"}',
  '{"Id":11,"subscription":"\\ud83d\\ude00"}', '{"Id":12,"subscription":"\\\\ud800"}', '{"Id":13,"subscription":"x\ty"}',
  '{"Id":14,"subscription":"\\x"}', '{/*c*/"Id":15}', '{"Id":16}//c', "{'Id':17}", '{"Id":18} x', '{"Id":19} {"Id":20}',
  '{"Id":21,"Id":22}', '{"Id":23,"x":1,"x":2}', '{"Id":24,"\\u0049d":25}', '{"Id":26,"o":{"x":1,"x":2}}', '[{"Id":27}]',
  '{"Id":28}]', '{"Id":29}],[{"Id":30}', '{"Id":31,"start_date":"20230-01-01"}', '{"Id":32,"start_date":"0000-01-01"}',
  '{"Id":33,"start_date":"2023-1-01"}', '{"Id":34,"start_date":"2024-02-29"}', '{"Id":35,"start_date":"2023-02-29"}',
  '{"Id":36,"start_date":" 2023-01-01"}', '{"Id":37,"start_date":"2023-01-01T00:00:00"}', '{"Id":9223372036854775807}',
  '{"Id":9223372036854775808}', '{"Id":-9223372036854775808}', '{"Id":1e2}', '{"Id":38.0}', '{"Id":-0}',
  '{"Id":39,"active":"true"}', '{"Id":40,"subscription":"Premium","extra":{"deep":[1,{"a":NaN}]}}',
  '{"Id":41,"extra":[1,2,]}', '{"Id":42,"subscription":"a\\"b\\\\c\\/d\\u00e9\\n"}', '{"Id":43,"subscription":null,"cost":null}',
  '{"Id":44,"cost":"12.50"}', '{"Id":45,"start_date":"2024-03-01","end_date":"2024-02-01"}', 'null', '"text"', '42', '[]', '{}',
  '{"Id":46,"customer_first_name":"Ann","customer_last_name":null}', '{"id":47}', '{"Id":48,"customer_first_name":5}',
  '{"Id":49,"customer_first_name":"Bo","customer_first_name":"Al"}', '\ufeff{"Id":50}', '{"Id":51,"subscription":"x\u2028y"}',
  '{"Id":52,"subscription":"\u0000"}', '{ "Id" : 53 , "cost" : 1.25 }', '{"Id":54,"o":{"a":[{"b":"}]"}]}}',
  // As many members as distinct known fields, or one more: where a duplicate check could take a shortcut.
  '{"Id":55,"active":true,"subscription":"a","customer_first_name":"x","customer_last_name":"y","cost":1,"start_date":"2023-01-01","start_date":"2023-01-02"}',
  '{"Id":56,"active":true,"subscription":"a","customer_first_name":"x","customer_last_name":"y","cost":1,"start_date":"2023-01-01","end_date":"2023-02-01","end_date":"2023-03-01"}',
  '{"Id":57,"active":true,"subscription":"a","customer_first_name":"x","customer_last_name":"y","cost":1,"start_date":"2023-01-01","end_date":"2023-02-01"}',
  '{"Id":58,"cost":1e2,"cost":2}', '{"Id":59,"cost":12345678901234567,"x":1,"Id":59}',
];

export function jsonJournal(): ModelFile {
  return { path: `date=${D}/json.jsonl`, date: D, content: `${JSON_LINES.join('\n')}\n` };
}

/** Files whose format decision once lost records: arrays first, truncated lines, lone CRs, documents. */
export const FORMAT_FILES: ModelFile[] = [
  { path: `date=${D}/seg-a.jsonl`, date: D, content: '[900]\n{"Id":901}\n{"Id":902}\n' },
  { path: `date=${D}/seg-b.jsonl`, date: D, content: '{"Id":\n{"Id":903}\n' },
  { path: `date=${D}/seg-c.jsonl`, date: D, content: '{"Id":904}\r{"Id":905}\r\r{"Id":906}' },
  { path: `date=${D}/seg-d.json`, date: D, content: '[900]\n{"Id":907}\n' },
  { path: `date=${D}/seg-e.json`, date: D, content: '[\n {"Id": 908, "cost": 1234567890123456.78},\n {"Id": "x"},\n 7\n]\n' },
  { path: `date=${D}/seg-f.json`, date: D, content: '{\n  "Id": 909,\n  "subscription": "basic"\n}\n' },
  { path: `date=${D}/seg-g.json`, date: D, content: '{\n  "Id": 910,\n' },
  { path: `date=${D}/seg-h.ndjson`, date: D, content: '\ufeff{"Id":911}\r\n\r\n  \t\r\n{"Id":912}\r\n' },
  { path: `date=${D}/seg-i.json.gz`, date: D, content: '[{"Id":913},{"Id":914,"cost":1e1}]' },
  { path: `date=${D}/seg-j.jsonl.gz`, date: D, content: '{"Id":915}\r{"Id":916}\n' },
  // Twins whose names differ by `.gz` alone, each needing a copy of its text (a document; a BOM).
  { path: `date=${D}/seg-k.json`, date: D, content: '[{"Id":917},{"Id":918}]' },
  { path: `date=${D}/seg-k.json.gz`, date: D, content: '[{"Id":919}]' },
  { path: `date=${D}/seg-l.jsonl`, date: D, content: '\ufeff{"Id":920}\n{"Id":921}\n' },
  { path: `date=${D}/seg-l.jsonl.gz`, date: D, content: '\ufeff{"Id":922}\n' },
];

/**
 * A rejected record of some 250 KB (about 100,000 tokens): its PII members around a large nested one
 * whose inner objects carry the same names (not the root's: kept), strings with commas and quotes.
 * Its redaction in the quarantine takes time linear in its size (a quadratic one takes hours).
 */
export function largeRejectedFile(): ModelFile {
  const nested = Array.from({ length: 4000 }, (_, i) => ({ a: i, b: [i, 'x,y', { customer_first_name: 'inner' }], c: 'q"u}' }));
  const record = { customer_first_name: 'Ann', Id: 'not a number', big: nested, customer_last_name: 'Lee', z: [1, { y: 2 }] };
  return { path: `date=${D}/large.jsonl`, date: D, content: `${JSON.stringify(record)}\n{"Id":930,"customer_last_name":"Bo","x":[]}\n` };
}

/** Same-day files named so that byte order and natural order differ. */
export const NATURAL_ORDER_FILES: ModelFile[] = ['1', '2', '9', '10', '11', '011', 'part-2', 'part-10'].map((n, i) => ({
  path: `date=${D}/${n}.json`, date: D, content: `{"Id":1,"cost":${i + 1}}\n{"Id":${100 + i}}\n`,
}));

/**
 * Fuzzed lines: valid records and near misses (one edit away: a character inserted, removed or
 * replaced with one that matters to JSON), in a small key space so that duplicates meet.
 */
export function fuzzedLines(count: number, seed: number): string[] {
  const field = fc.oneof(
    fc.constant(['active', fc.boolean()] as const),
    fc.constant(['subscription', fc.constantFrom('basic', 'premium', 'x"y', 'é', '')] as const),
    fc.constant(['customer_first_name', fc.constantFrom('Ann', 'Zoë', null)] as const),
    fc.constant(['cost', fc.constantFrom('1', '1.5', '12.345', '1e2', '-0', '9999999999999999.99', '1.0000000000000000001')] as const),
    fc.constant(['start_date', fc.constantFrom('2023-01-01', '2024-02-29', '2023-02-29', '20230-01-01')] as const),
    fc.constant(['end_date', fc.constantFrom('2023-06-01', '2022-01-01', null)] as const),
  );
  const record = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.array(field.chain(([name, value]) => value.map((v) => [name, v] as const)), { maxLength: 6 }))
    .map(([id, fields]) => {
      const parts = [`"Id":${id}`, ...fields.map(([name, v]) => `"${name}":${name === 'cost' && typeof v === 'string' ? v : JSON.stringify(v)}`)];
      return `{${parts.join(',')}}`;
    });
  const edit = fc.tuple(record, fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), fc.constantFrom(',', '"', '}', ']', '[', '\\', 'e', '0', '.', '-', ' ', 'N', '\\u', ':'))
    .map(([text, kind, at, c]) => {
      const i = at % text.length;
      return kind === 'insert' ? text.slice(0, i) + c + text.slice(i) : kind === 'delete' ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + c + text.slice(i + 1);
    });
  return fc.sample(fc.oneof({ weight: 3, arbitrary: record }, { weight: 1, arbitrary: edit }), { numRuns: count, seed });
}

/** A record schema whose names hold every character a JSON path or SQL could misread. */
export const NASTY_SCHEMA = {
  key: 'k"ey',
  fields: [
    { name: 'meta"."secret', type: 'string' },
    { name: 'a.b', type: 'bigint' },
    { name: "x'y", type: 'decimal(10,3)' },
    { name: 'subscription', type: 'string' },
    { name: '[0]', type: 'date' },
    { name: '~/p', type: 'boolean' },
    { name: 'é 😀', type: 'string' },
    { name: '$', type: 'string' },
    { name: '\\', type: 'string' },
    { name: '`tick`', type: 'string' },
  ],
  pii: ['é 😀'],
  joinField: 'subscription',
  orderField: "x'y",
};

export const NASTY_SCHEMA_JOURNAL: ModelFile = {
  path: 'date=2024-01-01/names.jsonl',
  date: '2024-01-01',
  content: [
    '{"k\\"ey": 1, "meta\\".\\"secret": "top", "meta": {"secret": "nested"}, "a.b": 5, "a": {"b": 6}, "x\'y": 1.234, "[0]": "2024-01-01", "~/p": true, "é 😀": "n", "$": "d", "\\\\": "bs", "`tick`": "t", "subscription": "basic"}',
    '{"k\\"ey": 2, "meta": {"secret": "nested only"}, "a": {"b": 6}}',
    '{"k\\"ey": 3, "x\'y": 1.2345, "[0]": "2023-02-29", "~/p": "yes"}',
    '{"k\\"ey": 4, "$": 1, "k\\"ey": 5}',
    '{"key": 6}',
  ].join('\n'),
};

/** Text that SQL, JSON paths and globs could misread: every dialect's literal/identifier/jsonPath must carry it exactly. */
export const NASTY_TEXT = [
  "it's", 'say "hi"', 'back\\slash', 'trail\\', '`tick`', 'semi; DROP TABLE x; --', '/* c */', 'new\nline', 'tab\tin',
  '$.a.b', "$['a']", '[0]', 'a.b', '~0/~1', '%_*?', '{a,b}', 'k=v', 'ünï€😀', ' lead and trail ', '$', '\\u0041', "''", '""',
];

/** Checks an engine's quoting seam on NASTY_TEXT: literals round-trip, identifiers name columns, jsonPath reads the member. */
export async function assertQuotingSeam(engine: Engine): Promise<void> {
  const d = engine.dialect;
  for (const text of NASTY_TEXT) {
    const [row] = await engine.query(`SELECT ${d.literal(text)} AS v`);
    assert.equal(row?.v, text, `literal ${JSON.stringify(text)}`);
    const columns = await engine.columns(`SELECT 1 AS ${d.identifier(text)}`);
    assert.deepEqual(columns.map((c) => c.name), [text], `identifier ${JSON.stringify(text)}`);
  }
  // One record with every name as a member, each holding its own index; nested look-alikes hold -1.
  const record = JSON.stringify(Object.fromEntries([
    ...NASTY_TEXT.map((t, i) => [t, i]), ['a', { b: -1 }], ['k', -1],
  ]));
  const probe = d.probeJson(`SELECT ${d.literal(record)} AS raw`, NASTY_TEXT);
  const [values] = await engine.query(`SELECT ${NASTY_TEXT.map((_, i) => `s_${i}`).join(', ')} FROM (${probe}) p`);
  assert.deepEqual(NASTY_TEXT.map((_, i) => String(values?.[`s_${i}`])), NASTY_TEXT.map((_, i) => String(i)), 'jsonPath reads each exact member');
}
