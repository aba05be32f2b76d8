// The lake on a real HDFS (`subsnap hdfs start`), read and written by the Spark engine through the
// commands as a user runs them: every result equals the same commands on a local lake (same engine,
// same journal), crashes at each step of a run leave the last version, two runs at once commit once.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { RUN_CRASH_POINTS } from '../../src/core/fault-points.js';
import { DEFAULT_SCHEMA } from '../../src/core/record-schema.js';
import { webHdfsStorage } from '../../src/lake/storage/webhdfs-storage.js';
import type { LakeStorage } from '../../src/lake/storage/lake-storage.js';
import { subsnap, type CliResult } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import fc from 'fast-check';
import { uploadTree } from '../../src/lake/upload.js';
import type { ModelFile } from '../model/reference-model.js';
import { comparableDeltaLog } from '../support/delta-log.js';
import { startTestKafka } from '../support/kafka-broker.js';
import { removeLake, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { arbLineFile, lineFileText } from '../support/line-files.js';
import { decimalJournal, FORMAT_FILES, jsonJournal, NATURAL_ORDER_FILES } from '../support/trust-corpus.js';
import { startTestSpark, type TestSparkServer } from '../support/spark-server.js';

interface Started { uri: string; webhdfs: string }

const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const GENERATE = ['--days', '3', '--records', '300', '--id-max', '200', '--files-per-day', '2', '--dirty-rate', '0.01', '--duplicate-rate', '0.05'];

/** Files no generator writes: a JSON array document, gzip with CRLF and a byte order mark, multibyte text, blank lines. */
const EXTRA_FILES: [string, Uint8Array][] = [
  ['date=2024-01-02/zz-document.json', Buffer.from(JSON.stringify([
    { Id: 7, active: true, subscription: 'premium', cost: 12.5, start_date: '2023-05-01', customer_first_name: 'Zoë' },
    { Id: 9001, active: false, subscription: 'basic', cost: '3.10', start_date: '2023-06-01' },
  ], null, 2))],
  ['date=2024-01-03/zz-lines.jsonl.gz', gzipSync(Buffer.from(
    '\ufeff{"Id": 8, "active": true, "subscription": "basic", "cost": 1.05, "start_date": "2023-01-02", "customer_first_name": "Ærøskøbing"}\r\n' +
      '\r\n{"Id": 9002, "active": true, "subscription": "gold", "cost": 99999999999999.99, "start_date": "2023-02-03"}\r\n{"Id": 9003, "active": tru}',
  ))],
];

const rowsOf = (result: CliResult) => result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** What two lakes folded alike share in their commit records (not times, engines' file names or checksum algorithms). */
const comparable = (result: CliResult) => rowsOf(result).map((c) => ({
  version: c.version, parent: c.parent, operation: c.operation, counts: c.counts, columns: c.columns, policies: c.policies,
  consumed: (c.consumed as { path: string; size: number }[]).map((f) => [f.path, f.size]),
  catalog: (c.catalog as { path: string; size: number }[]).map((f) => [f.path, f.size]),
  quarantined: c.quarantinePath !== null,
}));

describe('a lake on HDFS, through the commands, on the Spark engine', { timeout: 1_800_000 }, () => {
  let stateDir: string;
  let localDir: string;
  let cluster: Started;
  let spark: TestSparkServer;
  let storage: LakeStorage;
  let n = 0;
  /** The environment of a user who started the cluster with `subsnap hdfs start --state-dir` and a Spark server. */
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ SUBSNAP_HDFS_STATE: stateDir, SPARK_REMOTE: spark.remote, ...extra });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => subsnap(args, env(extra));
  const ok = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const result = await cli(args, extra);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  /** A new lake on HDFS and a local one, generated alike, with the extra files; the local one run by Spark too. */
  const twinLakes = async () => {
    const name = `lake-${++n}`;
    const hdfs = `${cluster.uri}/data/${name}`;
    const local = path.join(localDir, name);
    await ok(['generate', '--lake', hdfs, ...GENERATE]);
    await ok(['generate', '--lake', local, ...GENERATE]);
    for (const [file, bytes] of EXTRA_FILES) {
      await mkdir(path.dirname(path.join(local, 'journal', file)), { recursive: true });
      await writeFile(path.join(local, 'journal', file), bytes);
      await storage.createIfAbsent(`/data/${name}/journal/${file}`, bytes);
    }
    return { hdfs, local, path: `/data/${name}` };
  };
  /** The same command on both lakes; the local one on the Spark engine too, where the command has one. */
  const bothAlike = async (lakes: { hdfs: string; local: string }, args: string[]) => {
    const engine = ['run', 'backfill', 'migrate', 'show', 'validate'].includes(args[0]!) ? ['--engine', 'spark'] : [];
    const [onHdfs, onDisk] = [await cli([...args, '--lake', lakes.hdfs]), await cli([...args, '--lake', lakes.local, ...engine])];
    assert.equal(onHdfs.code, onDisk.code, `${args.join(' ')}: ${onHdfs.stderr} / ${onDisk.stderr}`);
    return { onHdfs, onDisk };
  };
  const show = (lake: string, ...args: string[]) => ok(['show', '--json', '--limit', '100000', '--lake', lake, ...args]);
  const sameRows = async (lakes: { hdfs: string; local: string }, ...args: string[]) => {
    const [a, b] = [rowsOf(await show(lakes.hdfs, ...args)), rowsOf(await show(lakes.local, '--engine', 'spark', ...args))];
    assert.ok(a.length > 0);
    assert.deepEqual(a, b);
  };
  const versions = async (lake: string) => rowsOf(await ok(['log', '--json', '--lake', lake])).length;

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-lake-'));
    localDir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-hdfs-twin-'));
    const started = await subsnap(['hdfs', 'start', '--json', '--state-dir', stateDir, '--port', String(await freePort()), '--http-port', String(await freePort())]);
    assert.equal(started.code, 0, started.stderr);
    cluster = JSON.parse(started.stdout) as Started;
    storage = webHdfsStorage({ fsUri: cluster.uri, webhdfs: cluster.webhdfs });
    spark = await startTestSpark();
  });
  after(async () => {
    await spark?.stop();
    await subsnap(['hdfs', 'stop', '--state-dir', stateDir]);
    await rm(stateDir, { recursive: true, force: true });
    await rm(localDir, { recursive: true, force: true });
  });

  it('generate, run day by day, show, log and validate: the same as a local lake, row for row', async () => {
    const lakes = await twinLakes();
    assert.deepEqual(
      (await storage.list(`${lakes.path}/journal/date=2024-01-01`)).sort(), (await readdir(path.join(lakes.local, 'journal', 'date=2024-01-01'))).sort(),
      'generate writes the same journal files on HDFS',
    );
    for (const day of DAYS) {
      const { onHdfs, onDisk } = await bothAlike(lakes, ['run', '--json', '--until', day]);
      const [a, b] = [JSON.parse(onHdfs.stdout), JSON.parse(onDisk.stdout)];
      assert.equal(a.committed, true);
      for (const key of ['version', 'inputRecords', 'rejectedRecords', 'inserted', 'updated', 'unchanged', 'totalKeys', 'unmatchedSubscriptions']) {
        assert.equal(a[key], b[key], `${day} ${key}`);
      }
      assert.equal(a.snapshotPath, `${lakes.hdfs}/snapshot/versions/0000000${a.version}`, 'reports name the version by its hdfs:// URI');
    }
    await sameRows(lakes);
    await sameRows(lakes, '--id', '8');
    await sameRows(lakes, '--version', '1');
    const logs = await bothAlike(lakes, ['log', '--json']);
    assert.deepEqual(comparable(logs.onHdfs), comparable(logs.onDisk));
    assert.deepEqual(await comparableDeltaLog(lakes.path, storage), await comparableDeltaLog(lakes.local), 'the same Delta log on HDFS');
    const checksums = rowsOf(logs.onHdfs).flatMap((c) => (c.consumed as { checksum: string }[]).map((f) => f.checksum));
    assert.ok(checksums.length > 0 && checksums.every((c) => /^hdfs-[A-Za-z0-9-]+:[0-9a-f]+$/.test(c)), 'HDFS checksums, computed by the DataNodes');

    const validated = await ok(['validate', '--json', '--lake', lakes.hdfs]);
    const report = JSON.parse(validated.stdout) as { ok: boolean; checks: { name: string; ok: boolean; skipped?: boolean }[] };
    assert.equal(report.ok, true, validated.stdout);
    assert.deepEqual(report.checks.filter((c) => c.skipped).map((c) => c.name), [], 'every check ran on HDFS');

    const reported = (await ok(['report', '--lake', lakes.hdfs])).stdout.trim();
    assert.equal(reported, `${lakes.hdfs}/report.html`, 'the report is written next to the lake, on HDFS');
    assert.match((await storage.read(`${lakes.path}/report.html`))!.text, /<h1>subsnap report<\/h1>/);

    const again = JSON.parse((await ok(['run', '--json', '--lake', lakes.hdfs])).stdout);
    assert.equal(again.committed, false, 'a second run finds nothing new');
    assert.deepEqual(await storage.list(`${lakes.path}/snapshot/_staging`), [], 'no staging left behind');
  });

  it('time travel, rollback, backfill and vacuum on HDFS equal the local lake', async () => {
    const lakes = await twinLakes();
    for (const day of DAYS) await bothAlike(lakes, ['run', '--until', day]);
    await bothAlike(lakes, ['rollback', '1']);
    await sameRows(lakes);
    await bothAlike(lakes, ['backfill', '--from', '2024-01-02']);
    await sameRows(lakes);
    await sameRows(lakes, '--as-of', '2999-01-01');
    const logs = await bothAlike(lakes, ['log', '--json']);
    assert.deepEqual(comparable(logs.onHdfs), comparable(logs.onDisk));
    assert.equal(rowsOf(logs.onHdfs).length, 5);

    const vacuumed = JSON.parse((await ok(['vacuum', '--json', '--keep-versions', '1', '--lake', lakes.hdfs])).stdout);
    assert.deepEqual(vacuumed.removedVersions, [1, 2, 3, 4], 'version 4 shares the files of version 1 (a rollback)');
    const gone = await cli(['show', '--version', '2', '--lake', lakes.hdfs]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /the files of version 2 were removed by `subsnap vacuum`/);
    await sameRows(lakes);
    assert.equal(await versions(lakes.hdfs), 5, 'vacuum keeps every commit record');
    assert.equal(JSON.parse((await ok(['validate', '--json', '--lake', lakes.hdfs])).stdout).ok, true);

    // A field added to the record schema: the migrated version holds it, null until records carry it.
    const config = path.join(localDir, `migrate-${n}.json`);
    await writeFile(config, JSON.stringify({ schema: { ...DEFAULT_SCHEMA, fields: [...DEFAULT_SCHEMA.fields, { name: 'region', type: 'string' }] } }));
    const [migrated, twin] = [await cli(['migrate', '--config', config, '--lake', lakes.hdfs]), await cli(['migrate', '--config', config, '--engine', 'spark', '--lake', lakes.local])];
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.equal(twin.code, 0, twin.stderr);
    assert.ok(rowsOf(await show(lakes.hdfs)).every((r) => 'region' in r && r.region === null));
    await sameRows(lakes);
    assert.equal(JSON.parse((await ok(['validate', '--json', '--lake', lakes.hdfs])).stdout).ok, true);
  });

  it('a journal file that is not UTF-8 stops the run, naming it; nothing is committed', async () => {
    const lakes = await twinLakes();
    await storage.createIfAbsent(`${lakes.path}/journal/date=2024-01-01/zz-latin1.jsonl`, Buffer.from('{"Id": 1, "customer_first_name": "Jos\xe9"}\n', 'latin1'));
    const result = await cli(['run', '--lake', lakes.hdfs]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /date=2024-01-01\/zz-latin1\.jsonl.*not valid UTF-8 \(line 1\)/);
    assert.equal((await cli(['log', '--lake', lakes.hdfs])).code, 2, 'no version');
  });

  it('a crash at each step of a run leaves the lake on its last version, and the next run commits once', async () => {
    const lakes = await twinLakes();
    await bothAlike(lakes, ['run', '--until', '2024-01-01']);
    await bothAlike(lakes, ['run', '--until', '2024-01-02']);
    await ok(['run', '--engine', 'spark', '--lake', lakes.local]);
    const expected = rowsOf(await show(lakes.local, '--engine', 'spark'));
    for (const point of RUN_CRASH_POINTS) {
      const crashed = await cli(['run', '--lake', lakes.hdfs], { SUBSNAP_CRASH_AT: point });
      assert.equal(crashed.signal, 'SIGKILL', `${point}: ${crashed.stderr}`);
      const committed = point === 'committed' ? 1 : 0;
      assert.equal(await versions(lakes.hdfs), 2 + committed, `crash at ${point}`);
      await ok(['run', '--lake', lakes.hdfs]);
      assert.equal(await versions(lakes.hdfs), 3, `after a crash at ${point}, one commit`);
      assert.deepEqual(await storage.list(`${lakes.path}/snapshot/_staging`), [], `${point}: the next writer cleared the staging`);
      assert.deepEqual(await storage.list(`${lakes.path}/snapshot/versions`), ['00000001', '00000002', '00000003']);
      assert.deepEqual(rowsOf(await show(lakes.hdfs)), expected, `${point}: the local lake's version 3`);
      assert.deepEqual((await storage.list(`${lakes.path}/snapshot/_delta_log`)).filter((n) => n.endsWith('.json')).sort(),
        ['00000000000000000000.json', '00000000000000000001.json', '00000000000000000002.json'], `${point}: the Delta log follows`);
      // Back to two versions, for the next crash (the lake as it was after version 2).
      await storage.removeTree(`${lakes.path}/snapshot/versions/00000003`);
      await storage.remove(`${lakes.path}/snapshot/_log/00000003.json`);
      await storage.remove(`${lakes.path}/snapshot/_delta_log/00000000000000000002.json`);
    }
  });

  it('two runs at once commit once', async () => {
    const lakes = await twinLakes();
    const results = await Promise.all([cli(['run', '--json', '--lake', lakes.hdfs]), cli(['run', '--json', '--lake', lakes.hdfs])]);
    for (const r of results) {
      assert.ok(r.code === 0 || /another subsnap run holds the lake .*remove hdfs:\/\/127\.0\.0\.1:\d+\/data\/lake-\d+\/snapshot\/_lock/.test(r.stderr), r.stderr);
    }
    assert.equal(results.filter((r) => r.code === 0 && JSON.parse(r.stdout).committed).length, 1, results.map((r) => r.stdout + r.stderr).join('\n'));
    assert.equal(await versions(lakes.hdfs), 1);
    await bothAlike(lakes, ['run']);
    await sameRows(lakes);
  });

  it('subsnap archive writes a Kafka topic into the HDFS lake as into a local one, and resumes after a crash', async () => {
    const kafka = await startTestKafka();
    try {
      const lakes = await twinLakes();
      const topic = `hdfs-archive-${n}`;
      await ok(['generate', '--to-kafka', '--brokers', kafka.brokers, '--topic', topic, '--day', '2024-01-04', '--records', '200', '--dirty-rate', '0.01', '--no-catalog', '--lake', lakes.local]);
      const archive = (lake: string, group: string) => ['archive', '--brokers', kafka.brokers, '--topic', topic, '--group', group, '--until-idle', '5', '--segment-records', '50', '--json', '--lake', lake];
      const crashed = await cli(archive(lakes.hdfs, 'to-hdfs'), { SUBSNAP_CRASH_AT: 'archive-state-written' });
      assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
      await ok(archive(lakes.hdfs, 'to-hdfs'));
      await ok(archive(lakes.local, 'to-disk'));
      const day = 'journal/date=2024-01-04';
      const visible = (names: string[]) => names.filter((f) => !f.startsWith('.')).sort();
      const files = visible(await storage.list(`${lakes.path}/${day}`));
      assert.ok(files.length >= 4, files.join(', '));
      assert.deepEqual(files, visible(await readdir(path.join(lakes.local, day))));
      assert.deepEqual(visible(await storage.list(`${lakes.path}/journal/_archive`)), [`${topic}.json`], 'the state on HDFS, the lock released');
      for (const day of [...DAYS, '2024-01-04']) await bothAlike(lakes, ['run', '--until', day]);
      await sameRows(lakes);
      const logs = await bothAlike(lakes, ['log', '--json']);
      assert.deepEqual(comparable(logs.onHdfs), comparable(logs.onDisk));
    } finally {
      await kafka.stop();
    }
  });

  /** The same journal files in a local lake and, copied, in a lake on HDFS; one run each; the same rows, log and validation. */
  const assertSameFold = async (files: ModelFile[]) => {
    const local = await tempLake();
    const name = `corpus-${++n}`;
    const lakes = { local, hdfs: `${cluster.uri}/data/${name}` };
    try {
      for (const f of files) await writeJournalFile(local, f);
      await uploadTree(local, storage, `/data/${name}`);
      const { onHdfs, onDisk } = await bothAlike(lakes, ['run', '--json', '--pii', 'keep', '--max-rejected-share', '1']);
      assert.equal(onHdfs.code, 0, onHdfs.stderr);
      const [a, b] = [JSON.parse(onHdfs.stdout), JSON.parse(onDisk.stdout)];
      for (const key of ['inputRecords', 'rejectedRecords', 'inserted', 'updated', 'totalKeys', 'unmatchedSubscriptions']) assert.equal(a[key], b[key], key);
      if (a.totalKeys > 0) await sameRows(lakes);
      const logs = await bothAlike(lakes, ['log', '--json']);
      assert.deepEqual(comparable(logs.onHdfs), comparable(logs.onDisk));
      const checks = await bothAlike(lakes, ['validate', '--json']);
      assert.deepEqual(JSON.parse(checks.onHdfs.stdout), JSON.parse(checks.onDisk.stdout));
    } finally {
      await removeLake(local);
    }
  };

  it('the edge corpora (money, JSON conformance, format decisions, natural order) fold on HDFS as on the local disk', () =>
    assertSameFold([decimalJournal(), jsonJournal(), ...FORMAT_FILES, ...NATURAL_ORDER_FILES]));

  it('random files (CRLF, lone CR, no final newline, blank lines, multibyte, BOM, gzip, JSON documents) fold on HDFS as on the local disk', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ spec: arbLineFile, document: fc.boolean() }), { minLength: 1, maxLength: 4 }), (files) =>
        assertSameFold(files.map(({ spec, document }, i) => {
          // A `.json` file: a JSON array document of the lines' values, or JSON lines (a file that is not one document).
          const values = spec.lines.map((l) => { try { return JSON.parse(l) as unknown; } catch { return l; } });
          const content = document ? `${spec.bom ? '\ufeff' : ''}${JSON.stringify(values, null, 1)}` : lineFileText(spec);
          const name = `part-${i}.${document ? 'json' : 'jsonl'}${spec.gzip ? '.gz' : ''}`;
          return { path: `date=2024-01-0${1 + (i % 2)}/${name}`, date: `2024-01-0${1 + (i % 2)}`, content };
        }))),
      { numRuns: Number(process.env.SUBSNAP_HDFS_PROPERTY_RUNS ?? 4) },
    );
  });
});
