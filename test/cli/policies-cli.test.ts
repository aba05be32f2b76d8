// Each policy and each cross-run rule, through the CLI on real files.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeCatalog } from '../../src/generate/catalog.js';
import { readQuarantine, readVersionRows, TEST_CATALOG, withLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

const rec = (Id: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Id, active: true, subscription: 'basic', customer_first_name: 'Ann', customer_last_name: 'Lee', cost: 10, start_date: '2023-01-01', end_date: '2023-12-31', ...extra });
const day = (date: string, name: string, lines: string[]) => ({ path: `date=${date}/${name}`, date, content: `${lines.join('\n')}\n` });

describe('PII policy', () => {
  it('drop (default) removes the PII columns', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      const [row] = await readVersionRows((await runJson(lake)).snapshotPath);
      assert.ok(!('customer_first_name' in row!) && !('customer_last_name' in row!));
    }));

  it('hash stores the keyed HMAC-SHA256 of each value and never prints the key', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1), rec(2, { customer_first_name: null })]));
      const key = 'k3y-under-test';
      const result = await subsnap(['run', '--lake', lake, '--pii', 'hash', '--json'], { SUBSNAP_PII_KEY: key });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!result.stdout.includes(key) && !result.stderr.includes(key));
      const rows = await readVersionRows(JSON.parse(result.stdout).snapshotPath);
      assert.equal(rows[0]!.customer_first_name, createHmac('sha256', key).update('Ann').digest('hex'));
      assert.equal(rows[1]!.customer_first_name, null);
      const valid = await subsnap(['validate', '--lake', lake]);
      assert.equal(valid.code, 0, valid.stdout);
    }));

  it('hash without a key is a clear error and commits nothing', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      const result = await subsnap(['run', '--lake', lake, '--pii', 'hash'], { SUBSNAP_PII_KEY: '' });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /needs a key: set the environment variable SUBSNAP_PII_KEY/);
    }));

  it('hash with a key file; a different key later is refused', () =>
    withLake(async (lake) => {
      const keyFile = path.join(lake, 'pii.key');
      await writeFile(keyFile, 'file-key\n');
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      await runJson(lake, ['--pii', 'hash', '--pii-key-file', keyFile]);
      await writeJournalFile(lake, day('2024-01-02', 'a.jsonl', [rec(2)]));
      const result = await subsnap(['run', '--lake', lake, '--pii', 'hash'], { SUBSNAP_PII_KEY: 'other' });
      assert.equal(result.code, 2);
      assert.match(result.stderr, /key differs/);
    }));

  it('keep stores clear text; changing the policy of an existing lake is refused', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      const [row] = await readVersionRows((await runJson(lake, ['--pii', 'keep'])).snapshotPath);
      assert.equal(row!.customer_last_name, 'Lee');
      await writeJournalFile(lake, day('2024-01-02', 'a.jsonl', [rec(2)]));
      const result = await subsnap(['run', '--lake', lake, '--pii', 'drop']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /built with pii policy 'keep'/);
    }));
});

describe('duplicates policy', () => {
  const lines = [rec(1, { cost: 1 }), rec(1, { cost: 2 }), rec(2), rec(2)];
  const cases: [string, string[], number][] = [
    // policy, cost of Id 1, records rejected
    ['last', ['2.00'], 0],
    ['first', ['1.00'], 0],
    ['reject', [], 2],
  ];
  for (const [policy, cost, rejected] of cases) {
    it(`${policy}`, () =>
      withLake(async (lake) => {
        await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', lines));
        // `reject` quarantines 2 of 4 records, above the default reject threshold.
        const report = await runJson(lake, ['--duplicates', policy, '--max-rejected-share', '1']);
        const rows = await readVersionRows(report.snapshotPath);
        assert.deepEqual(rows.filter((r) => r.Id === '1').map((r) => r.cost), cost);
        assert.equal(rows.filter((r) => r.Id === '2').length, 1, 'identical duplicates are not a conflict');
        assert.equal(report.rejectedRecords, rejected);
        if (rejected) {
          const q = await readQuarantine(report.quarantinePath);
          assert.deepEqual(q.map((r) => r.reason), ['conflicting duplicates for Id 1 on 2024-01-01', 'conflicting duplicates for Id 1 on 2024-01-01']);
        }
      }));
  }
});

describe('null policy', () => {
  for (const [policy, cost] of [['overwrite', null], ['coalesce', '10.00']] as const) {
    it(`${policy}: a null field of a newer record ${policy === 'coalesce' ? 'keeps' : 'clears'} the previous value`, () =>
      withLake(async (lake) => {
        await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
        await runJson(lake, ['--nulls', policy]);
        await writeJournalFile(lake, day('2024-01-02', 'a.jsonl', [JSON.stringify({ Id: 1, cost: null, active: false })]));
        const [row] = await readVersionRows((await runJson(lake, ['--nulls', policy])).snapshotPath);
        assert.equal(row!.cost, cost);
        assert.equal(row!.active, false);
      }));
  }
});

describe('across runs', () => {
  it('a late file for an older date never overwrites a row from a newer date, but fills new keys', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-02', 'a.jsonl', [rec(1, { cost: 2 })]));
      await runJson(lake);
      await writeJournalFile(lake, day('2024-01-01', 'late.jsonl', [rec(1, { cost: 1 }), rec(5)]));
      const report = await runJson(lake);
      assert.deepEqual(report.journalFiles, ['date=2024-01-01/late.jsonl']);
      assert.equal(report.inserted, 1);
      assert.equal(report.updated, 0);
      const rows = await readVersionRows(report.snapshotPath);
      assert.deepEqual(rows.map((r) => [r.Id, r.cost, r._journal_date]), [['1', '2.00', '2024-01-02'], ['5', '10.00', '2024-01-01']]);
    }));

  it('a catalog change alone commits a re-enriched version; unknown subscriptions are counted', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1), rec(2, { subscription: 'gold' })]));
      const first = await runJson(lake);
      assert.equal(first.unmatchedSubscriptions, 1);
      await writeCatalog(path.join(lake, 'catalog'), [...TEST_CATALOG, { subscription: 'gold', numberOfChannels: 7, extras: { vip: 'yes' } }]);
      const second = await runJson(lake);
      assert.equal(second.committed, true);
      assert.equal(second.catalogChanged, true);
      assert.equal(second.unmatchedSubscriptions, 0);
      const rows = await readVersionRows(second.snapshotPath);
      assert.deepEqual(rows[1]!.extras, { vip: 'yes' });
    }));

  it('an enrichment column added to or removed from the catalog reaches every row at the next run', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1), rec(2, { subscription: 'premium' })]));
      await runJson(lake);
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      const file = path.join(lake, 'catalog', 'subscriptions.parquet');
      await c.run(`COPY (SELECT subscription, numberOfChannels, 'tier-' || subscription AS tier FROM read_parquet('${file}')) TO '${file}.new' (FORMAT parquet)`);
      c.closeSync();
      db.closeSync();
      const { rename } = await import('node:fs/promises');
      await rename(`${file}.new`, file);
      const report = await runJson(lake);
      assert.equal(report.catalogChanged, true);
      const rows = await readVersionRows(report.snapshotPath);
      assert.deepEqual(rows.map((r) => [(r as unknown as Record<string, unknown>).tier, 'extras' in r]), [['tier-basic', false], ['tier-premium', false]]);
      assert.equal((await subsnap(['validate', '--lake', lake])).code, 0);
    }));

  it('a catalog listing a subscription twice fails the run', () =>
    withLake(async (lake) => {
      await writeCatalog(path.join(lake, 'catalog'), [...TEST_CATALOG, TEST_CATALOG[0]!]);
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      const result = await subsnap(['run', '--lake', lake]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /lists subscription 'basic' 2 times/);
    }));

  it('a journal file changed after it was folded is named with the backfill command', () =>
    withLake(async (lake) => {
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1)]));
      await runJson(lake);
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1), rec(2)]));
      const report = await runJson(lake);
      assert.equal(report.committed, false);
      assert.match(report.warnings.join(), /date=2024-01-01\/a\.jsonl changed after it was folded.*backfill --from 2024-01-01/);
    }));
});

describe('configuration', () => {
  it('reads subsnap.config.json; flags override it; unknown or invalid options fail before any I/O', () =>
    withLake(async (lake) => {
      await writeFile(path.join(lake, 'subsnap.config.json'), JSON.stringify({ lake: '.', pii: 'keep', duplicates: 'first' }));
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [rec(1, { cost: 1 }), rec(1, { cost: 2 })]));
      const result = await subsnap(['run', '--json', '--nulls', 'coalesce'], {}, lake);
      assert.equal(result.code, 0, result.stderr);
      const [row] = await readVersionRows(JSON.parse(result.stdout).snapshotPath);
      assert.equal(row!.cost, '1.00');
      assert.equal(row!.customer_first_name, 'Ann');
      await writeFile(path.join(lake, 'bad.json'), JSON.stringify({ duplicates: 'newest', colour: 'red' }));
      const bad = await subsnap(['run', '--config', path.join(lake, 'bad.json')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /duplicates: got "newest"/);
      assert.match(bad.stderr, /colour/);
      const flag = await subsnap(['run', '--lake', lake, '--duplicates', 'newest']);
      assert.notEqual(flag.code, 0);
      assert.match(flag.stderr, /Allowed choices are last, first, reject/);
    }));
});

describe('record schema from configuration', () => {
  it('folds records of another schema: key name, extra field, PII list', () =>
    withLake(async (lake) => {
      const schema = {
        key: 'customer_id',
        fields: [
          { name: 'subscription', type: 'string' },
          { name: 'email', type: 'string' },
          { name: 'seats', type: 'bigint' },
          { name: 'price', type: 'decimal(10,3)' },
          { name: 'renewal', type: 'date' },
        ],
        pii: ['email'],
        joinField: 'subscription',
      };
      await writeFile(path.join(lake, 'subsnap.config.json'), JSON.stringify({ lake: '.', schema, maxRejectedShare: 1 }));
      await writeJournalFile(lake, day('2024-01-01', 'a.jsonl', [
        JSON.stringify({ customer_id: 9, subscription: 'premium', email: 'a@b.c', seats: 3, price: 1.125, renewal: '2024-05-01' }),
        JSON.stringify({ customer_id: 9, seats: 'x' }),
        JSON.stringify({ Id: 1 }),
      ]));
      const result = await subsnap(['run', '--json'], {}, lake);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      const q = await readQuarantine(report.quarantinePath);
      assert.deepEqual(q.map((r) => r.reason), ['seats: expected bigint, got string', 'customer_id: missing']);
      const shown = await subsnap(['show', '--json'], {}, lake);
      assert.deepEqual(JSON.parse(shown.stdout), {
        customer_id: '9', subscription: 'premium', seats: '3', price: '1.125', renewal: '2024-05-01',
        numberOfChannels: '200', extras: { hd: 'true', devices: '4' },
        _journal_date: '2024-01-01', _journal_file: 'date=2024-01-01/a.jsonl', _journal_line: '1',
      });
      const valid = await subsnap(['validate'], {}, lake);
      assert.equal(valid.code, 0, valid.stdout);
    }));

  it('an invalid schema is refused with the reason', () =>
    withLake(async (lake) => {
      const schema = { key: 'Id', fields: [{ name: 'plan', type: 'string' }, { name: '_x', type: 'string' }], joinField: 'subscription' };
      await writeFile(path.join(lake, 'subsnap.config.json'), JSON.stringify({ lake: '.', schema }));
      const result = await subsnap(['run'], {}, lake);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /_x: names starting with _ are reserved/);
      assert.match(result.stderr, /join field subscription must be a string field/);
    }));
});
