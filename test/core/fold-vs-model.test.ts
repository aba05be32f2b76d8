// The backbone: on random journals (duplicates, late files, bad records, every file format, every
// policy), each run of the DuckDB engine equals the reference model, run after run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_SCHEMA } from '../../src/core/record-schema.js';
import { foldRun, type ModelFile, type ModelPolicies, type ModelRow } from '../model/reference-model.js';
import {
  readQuarantine, readVersionRows, removeLake, runIn, tempLake, TEST_CATALOG, writeJournalFile,
} from '../support/lake-fixture.js';

const PII_KEY_ENV = 'SUBSNAP_TEST_PII_KEY';
const PII_KEY = 'test-key-not-secret';
process.env[PII_KEY_ENV] = PII_KEY;

const DATES = ['2024-01-01', '2024-01-02', '2024-01-03'];

const arbRecord = fc.record(
  {
    Id: fc.integer({ min: 1, max: 6 }),
    active: fc.option(fc.boolean()),
    subscription: fc.option(fc.constantFrom('basic', 'premium', 'other')),
    customer_first_name: fc.option(fc.constantFrom('Ann', 'Bob', 'Zoë')),
    cost: fc.option(fc.constantFrom('10', '10.5', '99.99', '0', '-1.25')),
    start_date: fc.option(fc.constantFrom('2023-01-01', '2023-06-30')),
    end_date: fc.option(fc.constantFrom('2023-03-01', '2024-01-01')),
  },
  { requiredKeys: ['Id'] },
);

const recordLine = (r: Record<string, unknown>) =>
  `{${Object.entries(r)
    .map(([k, v]) => `"${k}":${k === 'cost' && v !== null ? String(v) : JSON.stringify(v)}`)
    .join(',')}}`;

const DIRTY = ['{"Id":', '{"Id":"1"}', '[]', '{"Id":1,"cost":0.001}', '{"Id":2,"start_date":"2024-02-30"}', '{"Id":null}', '{"active":true}', '{"Id":3.5}', '{"Id":4,"start_date":"2024-02-02","end_date":"2024-01-01"}', '{"Id":5,"cost":"12"}'];
const arbLine = fc.oneof({ weight: 6, arbitrary: arbRecord.map(recordLine) }, { weight: 1, arbitrary: fc.constantFrom(...DIRTY) });

interface FileSpec { date: string; name: string; format: 'ndjson' | 'crlf' | 'array' | 'document' | 'gz'; lines: string[] }
const arbFile: fc.Arbitrary<FileSpec> = fc.record({
  date: fc.constantFrom(...DATES),
  name: fc.constantFrom('a', 'b', 'c'),
  format: fc.constantFrom('ndjson', 'ndjson', 'crlf', 'array', 'document', 'gz'),
  lines: fc.array(arbLine, { minLength: 1, maxLength: 6 }),
});

function toModelFile(spec: FileSpec, run: number, index: number): ModelFile {
  const base = `date=${spec.date}/${spec.name}-${run}-${index}`;
  switch (spec.format) {
    case 'ndjson':
      return { path: `${base}.jsonl`, date: spec.date, content: `${spec.lines.join('\n\n')}\n` };
    case 'crlf':
      return { path: `${base}.jsonl`, date: spec.date, content: spec.lines.join('\r\n') };
    case 'gz':
      return { path: `${base}.jsonl.gz`, date: spec.date, content: `${spec.lines.join('\n')}\n` };
    case 'array':
      return { path: `${base}.json`, date: spec.date, content: `[\n  ${spec.lines.join(',\n  ')}\n]\n` };
    case 'document': {
      const line = spec.lines[0]!;
      let content = line;
      try {
        content = JSON.stringify(JSON.parse(line), null, 2);
      } catch {
        content = `{\n  ${line}`;
      }
      return { path: `${base}.json`, date: spec.date, content };
    }
  }
}

const arbPolicies: fc.Arbitrary<ModelPolicies> = fc.record({
  duplicates: fc.constantFrom('last' as const, 'first' as const, 'reject' as const),
  nulls: fc.constantFrom('overwrite' as const, 'coalesce' as const),
  pii: fc.constantFrom('drop' as const, 'hash' as const, 'keep' as const),
  orderField: fc.constantFrom(undefined, undefined, 'start_date', 'cost', 'subscription'),
}, { requiredKeys: ['duplicates', 'nulls', 'pii'] });

/** Runs of files; a later run may bring files for older dates (late data). */
const arbRuns = fc.array(fc.array(arbFile, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 });

/** Line-delimited files are read in chunks: tiny chunks cut every file, even inside a line. */
const arbChunkBytes = fc.constantFrom(undefined, 1, 13, 64);

// The model has no reject threshold: every run folds whatever share it rejects.
const policyFlags = (p: ModelPolicies, readChunkBytes?: number) => ({
  duplicates: p.duplicates, nulls: p.nulls, pii: p.pii, piiKeyEnv: PII_KEY_ENV, readChunkBytes, maxRejectedShare: 1,
  ...(p.orderField ? { schema: { ...DEFAULT_SCHEMA, orderField: p.orderField } } : {}),
});

describe('DuckDB engine equals the reference model', () => {
  it('run after run: rows, quarantine and counts; reruns change nothing; no key is lost', async () => {
    await fc.assert(
      fc.asyncProperty(arbRuns, arbPolicies, arbChunkBytes, async (runs, policies, chunkBytes) => {
        const lake = await tempLake();
        try {
          let expectedRows: ModelRow[] = [];
          for (const [r, specs] of runs.entries()) {
            const files = specs.map((s, i) => toModelFile(s, r, i));
            for (const f of files) await writeJournalFile(lake, f);
            const model = foldRun(expectedRows, files, TEST_CATALOG, { ...policies, piiKey: PII_KEY });
            const report = await runIn(lake, policyFlags(policies, chunkBytes));
            assert.equal(report.committed, true);
            const rows = await readVersionRows(report.snapshotPath!);
            assert.deepEqual(rows, model.rows, `rows after run ${r + 1}`);
            assert.deepEqual(await readQuarantine(report.quarantinePath), model.rejected, `quarantine of run ${r + 1}`);
            const { inputRecords, acceptedRecords, rejectedRecords, inserted, updated, unchanged, totalKeys, unmatchedSubscriptions } = report;
            assert.deepEqual(
              { inputRecords, acceptedRecords, rejectedRecords, inserted, updated, unchanged, totalKeys, unmatchedSubscriptions },
              model.counts,
            );
            const previousKeys = new Set(expectedRows.map((row) => row.Id));
            const keys = new Set(rows.map((row) => row.Id));
            for (const key of previousKeys) assert.ok(keys.has(key), `key ${key} lost`);
            expectedRows = model.rows;
          }
          const rerun = await runIn(lake, policyFlags(policies));
          assert.equal(rerun.committed, false);
          assert.equal(rerun.version, runs.length);
        } finally {
          await removeLake(lake);
        }
      }),
      { numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 60) },
    );
  });

  it("a record that loses to its key's row contributes nothing, not even to coalesce", async () => {
    // The row: key 1 from file b of the middle date. Then, in one run: records of key 1 that lose to it
    // (an older date; of its date, a file the policy puts before b) and records of a newer date.
    const arbValues = fc.record({
      active: fc.option(fc.boolean()),
      subscription: fc.option(fc.constantFrom('basic', 'premium')),
      cost: fc.option(fc.constantFrom('10', '20.5')),
    }, { requiredKeys: [] });
    const lines = (values: Record<string, unknown>[]) => values.map((v) => recordLine({ Id: 1, ...v }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbValues, { minLength: 1, maxLength: 2 }), fc.array(arbValues, { minLength: 1, maxLength: 3 }),
        fc.array(arbValues, { minLength: 0, maxLength: 2 }), fc.constantFrom('last' as const, 'first' as const),
        fc.constantFrom(undefined, 'cost'),
        async (rowValues, loserValues, newerValues, duplicates, orderField) => {
          const policies: ModelPolicies = { duplicates, nulls: 'coalesce', pii: 'drop', orderField };
          const [older, same, newer] = DATES;
          const rowFile: ModelFile = { path: `date=${same}/b.jsonl`, date: same!, content: `${lines(rowValues).join('\n')}\n` };
          // Of the row's date, a loser's file comes before b under last, after it under first (with an
          // order field, which would decide first, only the older date's).
          const loserName = duplicates === 'last' ? 'a' : 'c';
          const losers: ModelFile[] = [
            { path: `date=${older}/z.jsonl`, date: older!, content: `${lines(loserValues).join('\n')}\n` },
            ...(orderField ? [] : [{ path: `date=${same}/${loserName}.jsonl`, date: same!, content: `${lines(loserValues).join('\n')}\n` }]),
          ];
          const newerFiles: ModelFile[] = newerValues.length
            ? [{ path: `date=${newer}/a.jsonl`, date: newer!, content: `${lines(newerValues).join('\n')}\n` }] : [];
          const first = foldRun([], [rowFile], TEST_CATALOG, { ...policies, piiKey: PII_KEY });
          const model = foldRun(first.rows, [...losers, ...newerFiles], TEST_CATALOG, { ...policies, piiKey: PII_KEY });
          assert.deepEqual(model.rows, foldRun(first.rows, newerFiles, TEST_CATALOG, { ...policies, piiKey: PII_KEY }).rows,
            'the model: losers change nothing');
          const lake = await tempLake();
          try {
            await writeJournalFile(lake, rowFile);
            await runIn(lake, policyFlags(policies));
            for (const f of [...losers, ...newerFiles]) await writeJournalFile(lake, f);
            const report = await runIn(lake, policyFlags(policies));
            assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows, 'the engine: as the model');
          } finally {
            await removeLake(lake);
          }
        },
      ),
      { numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 30) },
    );
  });

  it("under coalesce a candidate takes its place in the order by its own record's order value, NULL included", async () => {
    // A late record of the row's date that loses leaves the row as it is (same lineage, not updated),
    // whichever other records come with it: under first with a greater order value; under last with a
    // null order value (the lowest), with an older record of the same value as the row's in the run.
    const scenarios: { policies: ModelPolicies; row: ModelFile; late: ModelFile[] }[] = [
      {
        policies: { duplicates: 'first', nulls: 'coalesce', pii: 'drop', orderField: 'cost' },
        row: { path: 'date=2024-01-02/b.jsonl', date: '2024-01-02', content: '{"Id":1,"cost":5,"subscription":"basic"}\n' },
        late: [
          { path: 'date=2024-01-02/c.jsonl', date: '2024-01-02', content: '{"Id":1,"cost":7}\n{"Id":2,"cost":1}\n' },
          { path: 'date=2024-01-02/d.jsonl', date: '2024-01-02', content: '{"Id":2,"subscription":"premium"}\n' },
        ],
      },
      {
        policies: { duplicates: 'last', nulls: 'coalesce', pii: 'drop', orderField: 'subscription' },
        row: { path: 'date=2024-01-03/a.jsonl', date: '2024-01-03', content: '{"Id":1,"subscription":"basic"}\n{"Id":1}\n' },
        late: [
          { path: 'date=2024-01-03/b.jsonl', date: '2024-01-03', content: '{"Id":1}\n' },
          { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id":1,"subscription":"basic"}\n' },
        ],
      },
    ];
    for (const { policies, row, late } of scenarios) {
      const lake = await tempLake();
      try {
        const first = foldRun([], [row], TEST_CATALOG, { ...policies, piiKey: PII_KEY });
        const model = foldRun(first.rows, late, TEST_CATALOG, { ...policies, piiKey: PII_KEY });
        assert.deepEqual(model.rows.find((r) => r.Id === '1'), first.rows[0], 'the model keeps the row');
        await writeJournalFile(lake, row);
        await runIn(lake, policyFlags(policies));
        for (const f of late) await writeJournalFile(lake, f);
        const report = await runIn(lake, policyFlags(policies));
        assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows, `${policies.duplicates}: rows`);
        assert.deepEqual([report.inserted, report.updated], [model.counts.inserted, model.counts.updated]);
        assert.equal(report.updated, 0);
      } finally {
        await removeLake(lake);
      }
    }
  });

  it('under reject, a late record that differs from its key\'s row of its date is a conflict, whatever else the run brings', async () => {
    for (const nulls of ['overwrite', 'coalesce'] as const) {
      const policies: ModelPolicies = { duplicates: 'reject', nulls, pii: 'drop' };
      const row: ModelFile = { path: 'date=2024-01-02/f1.jsonl', date: '2024-01-02', content: '{"Id":1,"cost":10}\n' };
      const late: ModelFile = { path: 'date=2024-01-02/f2.jsonl', date: '2024-01-02', content: '{"Id":1,"cost":20}\n' };
      const newer: ModelFile = { path: 'date=2024-01-03/a.jsonl', date: '2024-01-03', content: '{"Id":1,"subscription":"basic"}\n' };
      const model = (previous: ModelRow[], files: ModelFile[]) => foldRun(previous, files, TEST_CATALOG, { ...policies, piiKey: PII_KEY });
      const first = model([], [row]);
      const together = model(first.rows, [late, newer]);
      // The same as folding the late file, then the newer one, each alone.
      const lateAlone = model(first.rows, [late]);
      assert.deepEqual(together.rows, model(lateAlone.rows, [newer]).rows, `${nulls}: rows as one run per file`);
      assert.deepEqual(together.rejected.map((r) => [r.journal_file, r.reason]), [['date=2024-01-02/f2.jsonl', 'conflicting duplicates for Id 1 on 2024-01-02']]);
      const lake = await tempLake();
      try {
        await writeJournalFile(lake, row);
        await runIn(lake, policyFlags(policies));
        for (const f of [late, newer]) await writeJournalFile(lake, f);
        const report = await runIn(lake, policyFlags(policies));
        assert.deepEqual(await readVersionRows(report.snapshotPath!), together.rows, `${nulls}: rows`);
        assert.deepEqual(await readQuarantine(report.quarantinePath), together.rejected, `${nulls}: quarantine`);
        assert.equal(report.rejectedRecords, 1);
      } finally {
        await removeLake(lake);
      }
    }
  });

  it('day-by-day runs equal one full run when days arrive in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbFile, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('last' as const, 'first' as const),
        fc.constantFrom('overwrite' as const, 'coalesce' as const),
        async (specs, duplicates, nulls) => {
          const files = specs.map((s, i) => toModelFile(s, 0, i));
          const daily = await tempLake();
          const full = await tempLake();
          try {
            const flags = { duplicates, nulls, maxRejectedShare: 1 };
            for (const f of files) {
              await writeJournalFile(daily, f);
              await writeJournalFile(full, f);
            }
            let last;
            for (const date of DATES) last = (await runIn(daily, flags, date)).snapshotPath ?? last;
            const once = await runIn(full, flags);
            assert.deepEqual(await readVersionRows(last!), await readVersionRows(once.snapshotPath!));
          } finally {
            await removeLake(daily);
            await removeLake(full);
          }
        },
      ),
      { numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 30) },
    );
  });
});

describe('generated journals', () => {
  it('every dirty kind of the generator is judged the same by the engine and the model', async () => {
    const { writeJournal } = await import('../../src/generate/journal.js');
    const { readFile } = await import('node:fs/promises');
    const { default: nodePath } = await import('node:path');
    const lake = await tempLake();
    try {
      const written = await writeJournal(lake, { seed: 7, start: '2024-03-01', days: 3, recordsPerDay: 400, dirtyRate: 0.2, unknownSubscriptionRate: 0.05 });
      const files = await Promise.all(written.files.map(async (f) => {
        const rel = nodePath.relative(nodePath.join(lake, 'journal'), f);
        return { path: rel, date: rel.slice(5, 15), content: await readFile(f, 'utf8') };
      }));
      const model = foldRun([], files, TEST_CATALOG, { duplicates: 'last', nulls: 'overwrite', pii: 'drop' });
      const report = await runIn(lake, { maxRejectedShare: 1 });
      assert.ok(model.counts.rejectedRecords >= 0.15 * 1200, 'dirty records are rejected');
      assert.deepEqual(await readQuarantine(report.quarantinePath), model.rejected);
      assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows);
    } finally {
      await removeLake(lake);
    }
  });
});
