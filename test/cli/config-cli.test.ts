// The configuration file through the CLI: unknown keys name the nearest known key, the record
// schema's orderField and names are checked, and maxRejectedShare (file and flag) reaches the run.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { withLake, writeJournalFile } from '../support/lake-fixture.js';
import { subsnap } from '../support/cli.js';

const rec = (Id: number) => JSON.stringify({ Id, active: true, subscription: 'basic', cost: 1, start_date: '2023-01-01' });

/** `subsnap run` with this configuration file; the lake is the config file's folder. */
async function runWith(lake: string, config: unknown, args: string[] = []) {
  const file = path.join(lake, 'subsnap.config.json');
  await writeFile(file, JSON.stringify(config));
  return subsnap(['run', '--config', file, '--lake', lake, ...args]);
}

const SCHEMA = {
  key: 'Id',
  fields: [
    { name: 'active', type: 'boolean' },
    { name: 'subscription', type: 'string' },
    { name: 'updated', type: 'date' },
    { name: 'first_name', type: 'string' },
  ],
  pii: ['first_name'],
  joinField: 'subscription',
};

describe('unknown configuration keys', () => {
  it('name the nearest known key, at the top level and inside the schema', () =>
    withLake(async (lake) => {
      const result = await runWith(lake, {
        lak: '.', maxRejectedShar: 0.2, colour: 'red',
        schema: { ...SCHEMA, joinfield: 'subscription', ordrField: 'updated', fields: [{ name: 'active', type: 'boolean', typ: 'x' }, ...SCHEMA.fields.slice(1)] },
      });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^subsnap: invalid configuration in .*subsnap\.config\.json:\n/);
      assert.match(result.stderr, /\n {2}lak: unknown key, did you mean "lake"\?/);
      assert.match(result.stderr, /\n {2}maxRejectedShar: unknown key, did you mean "maxRejectedShare"\?/);
      assert.match(result.stderr, /\n {2}colour: unknown key; expected one of lake, engine, .*maxRejectedShare/);
      assert.match(result.stderr, /\n {2}schema\.joinfield: unknown key, did you mean "joinField"\?/);
      assert.match(result.stderr, /\n {2}schema\.ordrField: unknown key, did you mean "orderField"\?/);
      assert.match(result.stderr, /\n {2}schema\.fields\.0\.typ: unknown key, did you mean "type"\?/);
    }));
});

describe('schema.orderField and field names', () => {
  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['an undeclared field, with the nearest name', { orderField: 'update' }, /order field update must be a non-key field of the schema \(did you mean updated\?\)/],
    ['the key', { orderField: 'Id' }, /order field Id is the key/],
    ['a boolean field', { orderField: 'active' }, /order field active is boolean: expected a bigint, string, date or decimal field/],
    ['a PII field', { orderField: 'first_name' }, /order field first_name is a PII field/],
    ['a field name with a control character', { fields: [...SCHEMA.fields, { name: 'a\tb', type: 'string' }] }, /field #5 "a\\tb": the name contains a control character/],
    ['a key with a control character', { key: 'I\u0000d' }, /key "I\\u0000d": the name contains a control character/],
  ];
  for (const [what, change, message] of refused) {
    it(`refuses ${what}`, () =>
      withLake(async (lake) => {
        const result = await runWith(lake, { schema: { ...SCHEMA, ...change } });
        assert.equal(result.code, 2, result.stdout);
        assert.match(result.stderr, /invalid record schema/);
        assert.match(result.stderr, message);
      }));
  }

  it('accepts a date order field and names with quotes, dots, brackets, spaces and other scripts', () =>
    withLake(async (lake) => {
      const fields = [...SCHEMA.fields, { name: 'a "quoted" [0].x y', type: 'string' }, { name: 'größe €', type: 'bigint' }];
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${rec(1)}\n` });
      const result = await runWith(lake, { schema: { ...SCHEMA, fields, orderField: 'updated' } }, ['--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).version, 1);
    }));
});

describe('maxRejectedShare', () => {
  // One good record, three bad ones: 75% rejected.
  const journal = { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: [rec(1), '{bad', '[1]', '{"Id": "x"}'].join('\n') };

  it('defaults to 0.1; the config file and the flag (which wins) raise it', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, journal);
      const refused = await subsnap(['run', '--lake', lake]);
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(refused.stderr, /more than maxRejectedShare 0\.1 /);
      const lowInFile = await runWith(lake, { maxRejectedShare: 0.5 });
      assert.equal(lowInFile.code, 2);
      assert.match(lowInFile.stderr, /more than maxRejectedShare 0\.5 /);
      const flagWins = await runWith(lake, { maxRejectedShare: 0.5 }, ['--max-rejected-share', '0.8', '--json']);
      assert.equal(flagWins.code, 0, flagWins.stderr);
      assert.equal(JSON.parse(flagWins.stdout).rejectedRecords, 3);
    }));

  it('the config file takes it alone too, and refuses a value outside 0..1', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, journal);
      const outside = await runWith(lake, { maxRejectedShare: 1.5 });
      assert.equal(outside.code, 2);
      assert.match(outside.stderr, /maxRejectedShare: got 1\.5/);
      const inFile = await runWith(lake, { maxRejectedShare: 0.9 }, ['--json']);
      assert.equal(inFile.code, 0, inFile.stderr);
      assert.equal(JSON.parse(inFile.stdout).version, 1);
      await mkdir(path.join(lake, 'journal', 'date=2024-01-02'), { recursive: true });
      await writeFile(path.join(lake, 'journal', 'date=2024-01-02', 'b.jsonl'), [rec(2), '{bad', '{bad'].join('\n'));
      const backfill = await subsnap(['backfill', '--lake', lake, '--from', '2024-01-02', '--max-rejected-share', '0.5']);
      assert.equal(backfill.code, 2, backfill.stdout);
      assert.match(backfill.stderr, /more than maxRejectedShare 0\.5 /);
    }));
});
