// The Spark engine against a real local Spark Connect server (started here, with a token):
// differential tests against DuckDB (same rows, quarantine and reports; a lake written by one
// engine is continued by the other) and the endpoint errors a user can meet.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type ConfigInput } from '../../src/core/config.js';
import type { RunReport } from '../../src/core/run-report.js';
import { runSnapshot } from '../../src/core/run-snapshot.js';
import { backfillSnapshot } from '../../src/core/backfill.js';
import { migrateSnapshot } from '../../src/core/migrate.js';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import type { Engine } from '../../src/engines/engine.js';
import { openSpark } from '../../src/engines/spark/spark-engine.js';
import { SparkConnectClient, type SparkConnectError } from '../../src/engines/spark/spark-connect-client.js';
import { probeJarPath } from '../../src/engines/spark/spark-probe-udf.js';
import { serverStatus } from '../../src/engines/spark/spark-server.js';
import { parseSparkRemote } from '../../src/engines/spark/spark-remote.js';
import { writeJournal } from '../../src/generate/journal.js';
import { subsnap } from '../support/cli.js';
import { comparableDeltaLog } from '../support/delta-log.js';
import { arbLineFile, lineFileText, type LineFileSpec } from '../support/line-files.js';
import { startFakeSparkConnect } from '../support/fake-spark-connect.js';
import { readQuarantine, readVersionRows, removeLake, tempLake, TEST_CATALOG, writeJournalFile } from '../support/lake-fixture.js';
import {
  assertQuotingSeam, decimalJournal, FORMAT_FILES, fuzzedLines, jsonJournal, largeRejectedFile, NASTY_SCHEMA, NASTY_SCHEMA_JOURNAL, NATURAL_ORDER_FILES,
} from '../support/trust-corpus.js';
import { foldRun, type ModelFile, type ModelPolicies } from '../model/reference-model.js';
import { DEFAULT_SCHEMA } from '../../src/core/record-schema.js';
import { startTestSpark, type TestSparkServer } from '../support/spark-server.js';
import { journalReadInSplits, ownNodes, parsePlan, recordingPlans, type PlanNode, type RecordedPlan } from '../support/spark-plans.js';

const TOKEN = 'test-token-1234';
let spark: TestSparkServer;
before(async () => {
  spark = await startTestSpark(TOKEN);
}, { timeout: 600_000 });
after(() => spark?.stop());

async function withEngine<T>(engineName: 'duckdb' | 'spark', work: (engine: Engine) => Promise<T>): Promise<T> {
  const engine: Engine = engineName === 'spark' ? await openSpark(spark.remote) : await openDuckDb();
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

async function runWith(engineName: 'duckdb' | 'spark', lake: string, overrides: ConfigInput = {}, until?: string): Promise<RunReport> {
  const config = await loadConfig({ overrides: { lake, ...overrides }, cwd: lake });
  return withEngine(engineName, (engine) => runSnapshot({ config, engine, until }));
}

/** What must agree between engines: everything but timing, engine name and absolute paths. */
function comparable(report: RunReport) {
  const { durationMs: _d, engine: _e, snapshotPath: _s, quarantinePath: _q, ...rest } = report;
  return rest;
}

async function assertSameVersion(a: RunReport, b: RunReport, context: string): Promise<void> {
  assert.deepEqual(comparable(b), comparable(a), `${context}: reports`);
  const [rowsA, rowsB] = [await readVersionRows(a.snapshotPath!), await readVersionRows(b.snapshotPath!)];
  assert.deepEqual(rowsB, rowsA, `${context}: rows`);
  assert.deepEqual(await readQuarantine(b.quarantinePath), await readQuarantine(a.quarantinePath), `${context}: quarantine`);
}

// Dirty generated days reject about their dirty rate: the threshold is lifted so that they fold.
const POLICY_SETS: ConfigInput[] = [
  { duplicates: 'last', nulls: 'overwrite', pii: 'drop', maxRejectedShare: 1 },
  { duplicates: 'first', nulls: 'coalesce', pii: 'hash', piiKeyEnv: 'SUBSNAP_TEST_PII_KEY', maxRejectedShare: 1 },
  { duplicates: 'reject', nulls: 'overwrite', pii: 'keep', maxRejectedShare: 1 },
];
process.env.SUBSNAP_TEST_PII_KEY = 'differential-key';

describe('Spark and DuckDB agree', { timeout: 1_800_000 }, () => {
  for (const policies of POLICY_SETS) {
    it(`generated days with dirty records, duplicates and a late file (${policies.duplicates}/${policies.nulls}/${policies.pii})`, async () => {
      const duck = await tempLake();
      try {
        await writeJournal(duck, { seed: 11, start: '2024-02-01', days: 3, recordsPerDay: 300, idMax: 200, dirtyRate: 0.1, duplicateRate: 0.1, filesPerDay: 2, unknownSubscriptionRate: 0.05 });
        const sparkLake = `${duck}-spark`;
        await cp(duck, sparkLake, { recursive: true });
        try {
          for (const until of ['2024-02-01', '2024-02-03']) {
            // DuckDB reads line-delimited files in small chunks, Spark in its own splits: neither changes anything.
            const [a, b] = [await runWith('duckdb', duck, { ...policies, readChunkBytes: 8000 }, until), await runWith('spark', sparkLake, policies, until)];
            await assertSameVersion(a, b, `until ${until}`);
          }
          // A late file for the first day, in every format, arrives after its day was folded.
          const late = [
            { path: 'date=2024-02-01/late-a.json', date: '2024-02-01', content: '[{"Id": 5, "cost": 1.5, "subscription": "Premium"}, {"Id": "x"}, 7]' },
            { path: 'date=2024-02-01/late-b.json', date: '2024-02-01', content: '{\n  "Id": 6,\n  "active": false\n}\n' },
            { path: '2024-02-01/late-c.jsonl.gz', date: '2024-02-01', content: '{"Id": 7, "end_date": "2024-01-01", "start_date": "2024-02-01"}\r\n\r\n{"Id": 8}\r\n' },
          ];
          for (const file of late) {
            await writeJournalFile(duck, file);
            await writeJournalFile(sparkLake, file);
          }
          const [a, b] = [await runWith('duckdb', duck, policies), await runWith('spark', sparkLake, policies)];
          await assertSameVersion(a, b, 'late files');
          assert.deepEqual(await comparableDeltaLog(sparkLake), await comparableDeltaLog(duck), 'the same Delta log');
        } finally {
          await removeLake(sparkLake);
        }
      } finally {
        await removeLake(duck);
      }
    });
  }

  it('a lake written by one engine is continued by the other, with the same result as either alone', async () => {
    const mixed = await tempLake();
    const duckOnly = `${mixed}-duck`;
    try {
      await writeJournal(mixed, { seed: 5, start: '2024-03-01', days: 4, recordsPerDay: 200, dirtyRate: 0.05 });
      await cp(mixed, duckOnly, { recursive: true });
      const order: ('duckdb' | 'spark')[] = ['duckdb', 'spark', 'duckdb', 'spark'];
      let last: RunReport | undefined;
      for (const [i, engine] of order.entries()) {
        const until = `2024-03-0${i + 1}`;
        last = await runWith(engine, mixed, { maxRejectedShare: 1 }, until);
        const alone = await runWith('duckdb', duckOnly, { maxRejectedShare: 1 }, until);
        await assertSameVersion(alone, last, `day ${i + 1} on ${engine}`);
      }
      const { stdout } = await import('node:child_process').then(({ execFileSync }) => ({
        stdout: execFileSync(process.execPath, [path.join('bin', 'subsnap.js'), 'log', '--lake', mixed, '--json'], { encoding: 'utf8' }),
      }));
      const commits = stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(commits.map((c) => c.engine), order);
      assert.deepEqual(commits[1].columns, commits[0].columns, 'column types are recorded alike by both engines');
      assert.deepEqual(commits[0].columns.map((c: { type: string }) => c.type),
        ['bigint', 'boolean', 'string', 'decimal(18,2)', 'date', 'date', 'bigint', 'map<string,string>', 'date', 'string', 'bigint']);
      const valid = await subsnap(['validate', '--lake', mixed]);
      assert.equal(valid.code, 0, valid.stdout);
    } finally {
      await removeLake(mixed);
      await removeLake(duckOnly);
    }
  });
});

describe('Spark equals the reference model on the edge corpora', { timeout: 1_800_000 }, () => {
  async function assertSparkEqualsModel(files: ModelFile[], policies: ModelPolicies, extra: ConfigInput = {}): Promise<void> {
    const lake = await tempLake();
    try {
      for (const f of files) await writeJournalFile(lake, f);
      const model = foldRun([], files, TEST_CATALOG, { ...policies, piiKey: process.env.SUBSNAP_TEST_PII_KEY });
      const { duplicates, nulls, pii } = policies;
      const report = await runWith('spark', lake, { duplicates, nulls, pii, piiKeyEnv: 'SUBSNAP_TEST_PII_KEY', maxRejectedShare: 1, ...extra });
      assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows, 'rows');
      assert.deepEqual(await readQuarantine(report.quarantinePath), model.rejected, 'quarantine');
      assert.equal(report.inputRecords, model.counts.inputRecords);
    } finally {
      await removeLake(lake);
    }
  }
  const corpora = () => [decimalJournal(), jsonJournal(), ...FORMAT_FILES, ...NATURAL_ORDER_FILES, largeRejectedFile()];

  for (const pii of ['keep', 'hash', 'drop'] as const) {
    it(`money, JSON conformance, format decisions, natural order (pii ${pii})`, () =>
      assertSparkEqualsModel(corpora(), { duplicates: 'last', nulls: 'overwrite', pii }));
  }
  it('a lake path, journal file names and field names full of quotes, globs and unicode: Spark reads what DuckDB reads', async () => {
    const parent = await tempLake();
    const duck = path.join(parent, `x '"[1]*?{a,b}k=v ü`, 'lake');
    const sparkLake = path.join(parent, `y '"[1]*?{a,b}k=v ü`, 'lake');
    try {
      for (const lake of [duck, sparkLake]) {
        await cp(path.join(parent, 'catalog'), path.join(lake, 'catalog'), { recursive: true });
        await writeJournalFile(lake, NASTY_SCHEMA_JOURNAL);
        for (const [i, name] of ['p[1].jsonl', 'p1.jsonl', 'part*.jsonl', '{a,b}.jsonl', "q'.json", 'k=v.ndjson'].entries()) {
          await writeJournalFile(lake, { path: `date=2024-01-02/${name}`, date: '2024-01-02', content: `{"k\\"ey": ${10 + i}, "$": "${name.replace(/"/g, '')}"}\n` });
        }
      }
      const config = { schema: NASTY_SCHEMA, pii: 'hash' as const, piiKeyEnv: 'SUBSNAP_TEST_PII_KEY', maxRejectedShare: 1 };
      const [a, b] = [await runWith('duckdb', duck, config), await runWith('spark', sparkLake, config)];
      assert.deepEqual(comparable(b), comparable(a));
      assert.equal(a.inputRecords, 11);
      assert.deepEqual(await readVersionRows(b.snapshotPath!, NASTY_SCHEMA.key), await readVersionRows(a.snapshotPath!, NASTY_SCHEMA.key));
      assert.deepEqual(await readQuarantine(b.quarantinePath), await readQuarantine(a.quarantinePath));
    } finally {
      await removeLake(parent);
    }
  });

  it('the quoting seam: literal, identifier and jsonPath carry every text exactly', () => withEngine('spark', assertQuotingSeam));

  it('10^4 fuzzed lines, an order field, coalesce', () => {
    const lines = fuzzedLines(10_000, 7);
    const files: ModelFile[] = [0, 1].map((part) => ({
      path: `date=2024-01-0${1 + part}/fuzz-${part}.jsonl`, date: `2024-01-0${1 + part}`, content: `${lines.slice(part * 5000, (part + 1) * 5000).join('\n')}\n`,
    }));
    return assertSparkEqualsModel(files, { duplicates: 'first', nulls: 'coalesce', pii: 'keep', orderField: 'cost' },
      { schema: { ...DEFAULT_SCHEMA, orderField: 'cost' } });
  });
});

/** A file of the given blank lines, each ended by a lone CR but the last. */
const blankFile = (lines: string[]): LineFileSpec => ({ lines, ends: Array(25).fill('\r'), finalEnd: lines.length === 1, bom: false, gzip: false });

describe("Spark's own line reader, split in tiny pieces, equals the model", { timeout: 900_000 }, () => {
  // Files read in splits of a few bytes: every line end, multibyte character and blank line falls on a
  // split edge somewhere; positions must still be exact line numbers.
  it('CRLF, lone CR, no final newline, blank lines, multibyte characters and a BOM across split edges', async () => {
    let [filesRead, splitsRead] = [0, 0];
    await fc.assert(
      fc.asyncProperty(fc.array(arbLineFile, { minLength: 1, maxLength: 3 }), fc.constantFrom(16, 37, 64), async (specs, splitBytes) => {
        const files: ModelFile[] = specs.map((spec, i) => (
          { path: `date=2024-01-0${1 + (i % 2)}/part-${i}.jsonl${spec.gzip ? '.gz' : ''}`, date: `2024-01-0${1 + (i % 2)}`, content: lineFileText(spec) }
        ));
        const lake = await tempLake();
        try {
          for (const f of files) await writeJournalFile(lake, f);
          const model = foldRun([], files, TEST_CATALOG, { duplicates: 'last', nulls: 'overwrite', pii: 'keep' });
          const config = await loadConfig({ overrides: { lake, pii: 'keep', maxRejectedShare: 1 }, cwd: lake });
          const report = await withEngine('spark', (engine) =>
            runSnapshot({ config, engine: journalReadInSplits(engine, splitBytes, (count) => { splitsRead += count; }) }));
          filesRead += files.length;
          assert.deepEqual(await readVersionRows(report.snapshotPath!), model.rows);
          assert.deepEqual(await readQuarantine(report.quarantinePath), model.rejected);
        } finally {
          await removeLake(lake);
        }
      }),
      // Each run is a Spark run of hundreds of tiny tasks: a failure is reported at once, with its seed
      // and counterexample, rather than shrunk for longer than the suite's time limit. The example: two
      // files of blank lines only (5 bytes, fewer than one per core of the cluster-shaped server).
      {
        numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 12), endOnFailure: true,
        examples: [[[blankFile(['']), blankFile(['\t', '\t'])], 16]],
      },
    );
    // Files were read in several pieces (a gzip file, or one of a line or two, is one piece): the
    // reader was put to the test. Read whole, each file would be one piece.
    assert.ok(splitsRead > filesRead, `${splitsRead} pieces with lines in ${filesRead} files`);
  });
});

describe('plan shape on Spark (EXPLAIN through Spark Connect)', { timeout: 900_000 }, () => {
  const scanned = (plans: RecordedPlan[], where: (text: string) => boolean) =>
    plans.flatMap((p) => ownNodes(parsePlan(p.plan))
      .filter(({ node }) => /^FileScan /.test(node.text) && where(node.text))
      .map((entry) => ({ kind: p.kind, ...entry })));
  const readSchema = (text: string) => /ReadSchema: (struct<.*>)$/.exec(text)?.[1] ?? '';
  const shuffled = (ancestors: PlanNode[]) => ancestors.some((a) => /^Exchange /.test(a.text));

  it('the journal read and parsed once, the previous version read once whole and once narrow, never shuffled under the threshold', async () => {
    const duck = await tempLake();
    const sparkLake = `${duck}-spark`;
    try {
      await writeJournal(duck, { seed: 5, start: '2024-03-01', days: 3, recordsPerDay: 2000, idMax: 3000, dirtyRate: 0.05, duplicateRate: 0.1, filesPerDay: 2 });
      await cp(duck, sparkLake, { recursive: true });
      const policies: ConfigInput = { maxRejectedShare: 1, pii: 'hash', piiKeyEnv: 'SUBSNAP_TEST_PII_KEY' };
      await runWith('spark', sparkLake, policies, '2024-03-01');
      const recorded = async (until: string, overrides: ConfigInput) => {
        const plans: RecordedPlan[] = [];
        const config = await loadConfig({ overrides: { lake: sparkLake, ...policies, ...overrides }, cwd: sparkLake });
        const report = await withEngine('spark', (engine) => runSnapshot({ config, engine: recordingPlans(engine, (p) => plans.push(p)), until }));
        return { plans, report };
      };

      const { plans } = await recorded('2024-03-02', {});
      const kinds = plans.map((p) => p.kind);
      for (const kind of ['write journal-lines', 'write checked', 'write candidates', 'write decided', 'write quarantine', 'write snapshot']) {
        assert.ok(kinds.includes(kind), `a plan for ${kind} (got ${kinds.join(', ')})`);
      }
      // The day's two files are read by Spark's text reader once, by the statement that stages their lines.
      assert.deepEqual(scanned(plans, (t) => t.startsWith('FileScan text')).map((s) => s.kind), ['write journal-lines', 'write journal-lines']);
      assert.ok(plans.filter((p) => p.kind !== 'write journal-lines').every((p) => !p.plan.includes('FileScan text')), 'no other plan reads the journal files');
      // The staged lines are read by `checked` only (twice: the splits' line counts, then the lines).
      assert.deepEqual(scanned(plans, (t) => t.includes('/engine/journal-lines')).map((s) => s.kind), ['write checked', 'write checked']);
      // One parse per record: the record probe is called by `checked` only; everything else reads its staged rows.
      assert.deepEqual(plans.filter((p) => ownNodes(parsePlan(p.plan)).some(({ node }) => node.text.includes('subsnap_probe_record('))).map((p) => p.kind), ['write checked']);
      // Nothing lives in the server's cache (it outlives the run and is shared by every session).
      assert.deepEqual(plans.filter((p) => p.plan.includes('InMemoryRelation')).map((p) => p.kind), []);
      // The run's counts: one query, reading `checked` and `decided` once each.
      for (const relation of ['checked', 'decided']) {
        const counts = plans.filter((p) => p.kind === 'query' && p.sql.includes(' AS input_records'));
        assert.equal(counts.length, 1, 'one counts query');
        assert.equal(scanned(counts, (t) => t.includes(`/engine/${relation}`)).length, 1, `the counts read ${relation} once`);
      }
      // The previous version: whole once (the write), narrow once (the rows of the day's keys); its row count from its commit; no other pass.
      const previous = scanned(plans, (t) => t.includes('/versions/00000001/'));
      assert.deepEqual(previous.map((s) => s.kind).sort(), ['write decided', 'write snapshot']);
      const [whole, narrow] = ['write snapshot', 'write decided'].map((k) => previous.find((s) => s.kind === k)!);
      for (const column of ['Id', 'active', 'subscription', 'cost', 'start_date', 'end_date', 'customer_first_name', '_journal_line']) {
        assert.match(readSchema(whole!.node.text), new RegExp(`\\b${column}:`), `the write reads ${column}`);
      }
      assert.doesNotMatch(readSchema(narrow!.node.text), /\b(cost|active|customer_first_name|end_date):/, 'the narrow pass reads only what deciding needs');
      for (const scan of [whole!, narrow!]) {
        assert.ok(!shuffled(scan.ancestors), `${scan.kind}: no Exchange above the previous version's scan`);
        assert.ok(scan.ancestors.some((a) => /^BroadcastHashJoin .*Left(Anti|Semi)/.test(a.text)), `${scan.kind}: the day's keys broadcast`);
      }

      // Above the threshold, both sides are partitioned by key (linear at any size), with the same result.
      const large = await recorded('2024-03-03', { broadcastJournalBytes: 0 });
      const previous2 = scanned(large.plans, (t) => t.includes('/versions/00000002/'));
      for (const kind of ['write snapshot', 'write decided']) {
        const scan = previous2.find((s) => s.kind === kind);
        assert.ok(scan && shuffled(scan.ancestors), `${kind}: the previous version is partitioned by key when the day is too large to broadcast`);
      }
      await runWith('duckdb', duck, policies, '2024-03-01');
      await runWith('duckdb', duck, policies, '2024-03-02');
      await assertSameVersion(await runWith('duckdb', duck, policies, '2024-03-03'), large.report, 'shuffled join');
    } finally {
      await removeLake(sparkLake);
      await removeLake(duck);
    }
  });
});

describe('lifecycle on Spark', { timeout: 900_000 }, () => {
  it('backfill and migrate give the same versions on both engines', async () => {
    const duck = await tempLake();
    const sparkLake = `${duck}-spark`;
    try {
      await writeJournal(duck, { seed: 21, start: '2024-04-01', days: 3, recordsPerDay: 150, dirtyRate: 0.05 });
      await cp(duck, sparkLake, { recursive: true });
      const keep = { pii: 'keep' as const };
      for (const lake of [duck, sparkLake]) await runWith('duckdb', lake, keep);
      const late = { path: 'date=2024-04-02/late.jsonl', date: '2024-04-02', content: '{"Id": 7, "cost": 3}\n{"Id": 300}\n' };
      await writeJournalFile(duck, late);
      await writeJournalFile(sparkLake, late);
      const backfill = (engineName: 'duckdb' | 'spark', lake: string) => withEngine(engineName, async (engine) =>
        backfillSnapshot({ config: await loadConfig({ overrides: { lake, ...keep }, cwd: lake }), engine, from: '2024-04-02' }));
      await assertSameVersion(await backfill('duckdb', duck), await backfill('spark', sparkLake), 'backfill');
      const migrate = (engineName: 'duckdb' | 'spark', lake: string) => withEngine(engineName, async (engine) =>
        migrateSnapshot(await loadConfig({ overrides: { lake, pii: 'hash', piiKeyEnv: 'SUBSNAP_TEST_PII_KEY' }, cwd: lake }), engine));
      await assertSameVersion(await migrate('duckdb', duck), await migrate('spark', sparkLake), 'migrate');
    } finally {
      await removeLake(duck);
      await removeLake(sparkLake);
    }
  });
});

describe('Spark endpoint errors name the endpoint and commit nothing', { timeout: 300_000 }, () => {
  async function runAgainst(remote: string, env: NodeJS.ProcessEnv = {}) {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id": 1}\n' });
      const result = await subsnap(['run', '--lake', lake, '--engine', 'spark', '--spark-remote', remote], env);
      const log = await subsnap(['log', '--lake', lake]);
      assert.match(log.stderr, /no committed snapshot/);
      return result;
    } finally {
      await removeLake(lake);
    }
  }

  it('unreachable endpoint', async () => {
    const closed = spark.options.port + 1;
    const result = await runAgainst(`sc://127.0.0.1:${closed}`);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`cannot reach the Spark Connect server at sc://127.0.0.1:${closed}`));
  });

  it('wrong or missing token', async () => {
    for (const remote of [`sc://127.0.0.1:${spark.options.port}/;token=wrong`, `sc://127.0.0.1:${spark.options.port}`]) {
      const result = await runAgainst(remote);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`server at sc://127.0.0.1:${spark.options.port} refused the credentials`));
      assert.ok(!result.stderr.includes(TOKEN));
    }
  });

  it('a server of an unsupported Spark version', async () => {
    const fake = await startFakeSparkConnect('3.5.1');
    try {
      const result = await runAgainst(`sc://127.0.0.1:${fake.port}`);
      assert.equal(result.code, 2);
      assert.match(result.stderr, new RegExp(`server at sc://127.0.0.1:${fake.port} runs Spark 3.5.1; subsnap needs Spark 4.x`));
    } finally {
      await fake.stop();
    }
  });

  it("the record probe: the server's own copy when it is this build, uploaded by each session when the server has none, refused when it is another build", async () => {
    const own = createHash('sha256').update(await readFile(probeJarPath())).digest('hex');
    const client = new SparkConnectClient(parseSparkRemote(spark.remote));
    const onServer = await client.query("SELECT reflect('subsnap.spark.ProbeRecord', 'jarSha256') AS d")
      .then((rows) => String(rows[0]!.d), (error: Error) => error.message)
      .finally(() => client.close());
    if (spark.options.probeOnClassPath === false) {
      assert.match(onServer, /class subsnap\.spark\.ProbeRecord not found/, 'a server without the probe (the suite ran with uploads)');
      return;
    }
    assert.equal(onServer, own, "the server's class path has this build's probe");
    const parent = await tempLake();
    try {
      const other = path.join(parent, 'other-build.jar');
      await writeFile(other, 'another build of the probe');
      const result = await runAgainst(spark.remote, { SUBSNAP_SPARK_UDF_JAR: other });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /server at sc:\/\/127\.0\.0\.1:\d+ has another build of subsnap's record probe on its class path .*restart it/);
    } finally {
      await removeLake(parent);
    }
  });

  it('a Spark error surfaces with its error class', async () => {
    const engine = await openSpark(spark.remote);
    try {
      await assert.rejects(engine.query('SELECT * FROM no_such_table'), (error: Error & { errorClass?: string }) => {
        assert.equal(error.errorClass, 'TABLE_OR_VIEW_NOT_FOUND');
        assert.match(error.message, /TABLE_OR_VIEW_NOT_FOUND/);
        return true;
      });
    } finally {
      await engine.close();
    }
  });
});

describe('Spark sessions kept between runs (session slots)', { timeout: 300_000 }, () => {
  it('the next engine continues the last closed one without its views, an engine open at the same time has its own, a session the server closed is replaced', async () => {
    const slots = await tempLake();
    const saved = process.env.SUBSNAP_SPARK_SESSIONS;
    process.env.SUBSNAP_SPARK_SESSIONS = slots;
    // A session setting marks the session (closing drops views, not settings).
    const mark = (engine: Engine) => engine.query('SET subsnap.test.session_mark').then((rows) => String(rows[0]?.value));
    const view = (engine: Engine) => engine.query('SELECT x FROM session_view').then((rows) => rows.map((r) => r.x), (error: SparkConnectError) => error.errorClass);
    // Every session, new, continued or renewed, keeps its views' analyzed plans (each view analyzed once).
    const plansKept = async (engine: Engine) =>
      assert.equal(String((await engine.query('SET spark.sql.legacy.storeAnalyzedPlanForView'))[0]?.value), 'true');
    try {
      const first = await openSpark(spark.remote);
      await plansKept(first);
      await first.run('SET subsnap.test.session_mark=7');
      await first.run('SET spark.sql.legacy.storeAnalyzedPlanForView=false');
      await first.run('CREATE OR REPLACE TEMP VIEW session_view AS SELECT 7 AS x');
      const concurrent = await openSpark(spark.remote);
      await plansKept(concurrent);
      assert.notEqual(await mark(concurrent), '7', 'an engine open at the same time is in another session');
      assert.equal(await view(concurrent), 'TABLE_OR_VIEW_NOT_FOUND');
      await concurrent.close();
      await first.close();
      const next = await openSpark(spark.remote);
      assert.equal(await mark(next), '7', 'the next engine is in the session the first one left');
      await plansKept(next);
      assert.equal(await view(next), 'TABLE_OR_VIEW_NOT_FOUND', "the session is handed on without the last run's views");
      await next.close();
      // The server ends the slot's session (as it does after its idle timeout): the slot names a new one.
      const [idFile] = (await readdir(slots)).filter((f) => f.endsWith('-0.session'));
      const sessionIn = async () => String(JSON.parse(await readFile(path.join(slots, idFile!), 'utf8')).session);
      const id = await sessionIn();
      await new SparkConnectClient(parseSparkRemote(spark.remote), id).close();
      const renewed = await openSpark(spark.remote);
      assert.notEqual(await mark(renewed), '7');
      await plansKept(renewed);
      assert.deepEqual(await renewed.query('SELECT 1 AS one'), [{ one: 1 }]);
      await renewed.close();
      assert.notEqual(await sessionIn(), id);
      // A slot folder that cannot be made (under a file): each engine has a session of its own.
      process.env.SUBSNAP_SPARK_SESSIONS = path.join(slots, idFile!, 'below-a-file');
      const unslotted = await openSpark(spark.remote);
      await plansKept(unslotted);
      await unslotted.run('SET subsnap.test.session_mark=8');
      await unslotted.close();
      const unslottedNext = await openSpark(spark.remote);
      assert.notEqual(await mark(unslottedNext), '8');
      await unslottedNext.close();
    } finally {
      if (saved === undefined) delete process.env.SUBSNAP_SPARK_SESSIONS;
      else process.env.SUBSNAP_SPARK_SESSIONS = saved;
      await removeLake(slots);
    }
  });
});

// Last in the file: the server's log then holds every statement this suite ran.
describe("the server's generated code", () => {
  it('every statement of the suite compiles: no generated method too long for HotSpot, whose JVMs compile long ones anyway', async (t) => {
    if (!spark.options.stateDir) return t.skip('an outside server (SUBSNAP_TEST_SPARK_REMOTE): its log and JVMs are not this suite\'s');
    // HotSpot never compiles a method over 8000 bytes of bytecode by default: a stage with a longer
    // one runs every row interpreted (the record checks with their rare branches inline: 21 KB, 2.7x
    // as long). The server logs each such method when it first generates it (whole-stage code is
    // generated by the driver, whose log this is, also when executors are JVMs of their own).
    const { pid, log } = await serverStatus(spark.options);
    const lines = (await readFile(log, 'utf8')).split('\n');
    assert.ok(lines.some((line) => /CodeGenerator: Code generated in/.test(line)), "the log shows the code generator's lines");
    assert.deepEqual(lines.filter((line) => /Generated method too long|Found too long generated codes/.test(line)), []);
    // A wider schema's longer methods are compiled all the same: by the driver's JVM and by executors'.
    assert.ok((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes('-XX:-DontCompileHugeMethods'), 'the server JVM compiles long methods');
    const executors = await withEngine('spark', (engine) => engine.query('SET spark.executor.extraJavaOptions'));
    assert.match(String(executors[0]?.value), /-XX:-DontCompileHugeMethods/);
  });
});
