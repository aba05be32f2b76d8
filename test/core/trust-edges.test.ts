// No silent loss, duplication or alteration at the edges: corpora of inputs that once went wrong, and
// fuzzed lines, folded by the embedded engine and compared with the reference model row for row.
// (The Spark engine runs the same corpora in test/engines/spark-engine.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldRun, type ModelFile, type ModelPolicies } from '../model/reference-model.js';
import { readQuarantine, readVersionRows, removeLake, runIn, tempLake, TEST_CATALOG, writeJournalFile } from '../support/lake-fixture.js';
import { createHmac } from 'node:crypto';
import {
  decimalJournal, FORMAT_FILES, fuzzedLines, jsonJournal, largeRejectedFile, NASTY_SCHEMA, NASTY_SCHEMA_JOURNAL, NATURAL_ORDER_FILES,
} from '../support/trust-corpus.js';

const PII_KEY_ENV = 'SUBSNAP_TEST_PII_KEY';
process.env[PII_KEY_ENV] = 'trust-key';

async function assertEqualsModel(files: ModelFile[], policies: ModelPolicies, extra: Record<string, unknown> = {}): Promise<void> {
  const lake = await tempLake();
  try {
    for (const f of files) await writeJournalFile(lake, f);
    const model = foldRun([], files, TEST_CATALOG, { ...policies, piiKey: process.env[PII_KEY_ENV] });
    const { duplicates, nulls, pii } = policies;
    const report = await runIn(lake, { duplicates, nulls, pii, piiKeyEnv: PII_KEY_ENV, maxRejectedShare: 1, ...extra });
    assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows, 'rows');
    assert.deepEqual(await readQuarantine(report.quarantinePath), model.rejected, 'quarantine');
    assert.equal(report.inputRecords, model.counts.inputRecords);
    assert.equal(report.rejectedRecords, model.counts.rejectedRecords);
  } finally {
    await removeLake(lake);
  }
}

const LAST_KEEP: ModelPolicies = { duplicates: 'last', nulls: 'overwrite', pii: 'keep' };

describe('edge corpora on the embedded engine equal the model', () => {
  it('money: exact decimal(18,2) from the JSON text, never through a double', () => assertEqualsModel([decimalJournal()], LAST_KEEP));
  it('JSON conformance: strict RFC 8259, duplicate member names, strict dates', () => assertEqualsModel([jsonJournal()], LAST_KEEP));
  it('format decisions never take other records with them', () => assertEqualsModel(FORMAT_FILES, LAST_KEEP));
  it('same-day files in natural order', () => assertEqualsModel(NATURAL_ORDER_FILES, LAST_KEEP));
  it('the quarantine applies the PII policy, in time linear in a record\'s size', { timeout: 120_000 }, async () => {
    for (const pii of ['drop', 'hash'] as const) await assertEqualsModel([jsonJournal(), ...FORMAT_FILES, largeRejectedFile()], { ...LAST_KEEP, pii });
  });
  it('an order field decides within a day', async () => {
    const files: ModelFile[] = [
      { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id":1,"cost":3,"start_date":"2023-05-01"}\n{"Id":2,"cost":1}\n' },
      { path: 'date=2024-01-01/b.jsonl', date: '2024-01-01', content: '{"Id":1,"cost":4,"start_date":"2023-04-01"}\n{"Id":2,"cost":2,"start_date":"2020-01-01"}\n{"Id":1,"cost":5}\n' },
    ];
    const schema = { key: 'Id', fields: [
      { name: 'active', type: 'boolean' }, { name: 'subscription', type: 'string' }, { name: 'customer_first_name', type: 'string' },
      { name: 'customer_last_name', type: 'string' }, { name: 'cost', type: 'decimal(18,2)' }, { name: 'start_date', type: 'date' },
      { name: 'end_date', type: 'date' },
    ], pii: ['customer_first_name', 'customer_last_name'], joinField: 'subscription', interval: { start: 'start_date', end: 'end_date' }, orderField: 'start_date' };
    for (const duplicates of ['last', 'first'] as const) {
      await assertEqualsModel(files, { ...LAST_KEEP, duplicates, orderField: 'start_date' }, { schema });
    }
  });
});

describe('field names are exact', () => {
  it('names with quotes, dots, brackets, tildes, slashes and unicode read their own member, never a path', async () => {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, NASTY_SCHEMA_JOURNAL);
      const report = await runIn(lake, { schema: NASTY_SCHEMA, pii: 'hash', piiKeyEnv: PII_KEY_ENV, maxRejectedShare: 1 });
      const rows = await readVersionRows(report.snapshotPath!, NASTY_SCHEMA.key);
      const hmac = createHmac('sha256', process.env[PII_KEY_ENV]!).update('n').digest('hex');
      assert.deepEqual(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_') && k !== 'extras' && k !== 'numberOfChannels'))), [
        { 'k"ey': '1', 'meta"."secret': 'top', 'a.b': '5', "x'y": '1.234', subscription: 'basic', '[0]': '2024-01-01', '~/p': true, 'é 😀': hmac, $: 'd', '\\': 'bs', '`tick`': 't' },
        { 'k"ey': '2', 'meta"."secret': null, 'a.b': null, "x'y": null, subscription: null, '[0]': null, '~/p': null, 'é 😀': null, $: null, '\\': null, '`tick`': null },
      ]);
      assert.deepEqual((await readQuarantine(report.quarantinePath)).map((q) => [q.position, q.reason]), [
        [3, "x'y: not a decimal(10,3); [0]: invalid date; ~/p: expected boolean, got string"],
        [4, 'duplicate member name'],
        [5, 'k"ey: missing'],
      ]);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('fuzzed lines', () => {
  it('10^5 fuzzed lines (records and one-edit near misses) fold as the model says, under every policy', { timeout: 300_000 }, async () => {
    const lines = fuzzedLines(100_000, 42);
    const files: ModelFile[] = [0, 1, 2, 3].map((part) => ({
      path: `date=2024-01-0${1 + (part % 2)}/part-${part}.jsonl`, date: `2024-01-0${1 + (part % 2)}`,
      content: `${lines.slice(part * 25_000, (part + 1) * 25_000).join('\n')}\n`,
    }));
    await assertEqualsModel(files, { duplicates: 'last', nulls: 'coalesce', pii: 'hash' });
    const small = files.map((f) => ({ ...f, content: f.content.split('\n').slice(0, 2000).join('\n') }));
    await assertEqualsModel(small, { duplicates: 'reject', nulls: 'overwrite', pii: 'drop' });
    await assertEqualsModel(small, { duplicates: 'first', nulls: 'overwrite', pii: 'keep' });
  });
});
