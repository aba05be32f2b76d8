// The snapshot as a Delta Lake table, read by real readers: delta-rs (`deltalake`) and pandas, in the
// project venv of scripts/setup-delta.sh. Every Delta version equals `subsnap show` of its version,
// through runs, a migration (new schema), a rollback across it, a backfill and vacuum; a crash
// before or after the commit point leaves the readers on the last committed version; a lake
// without a Delta log gets the same log, byte for byte, from its next writer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ndjson, ok, subsnap } from '../support/cli.js';
import { deltaReadersPython, lakeWithSchemaChanges } from '../support/delta-log.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type Versions = Record<string, { rows?: Record<string, unknown>[]; error?: string }>;

interface Read {
  latest: number;
  current: Record<string, unknown>[];
  pandas_keys: string[];
  versions: Versions;
  /** DuckDB's delta extension: `delta_scan`, and ATTACH … (TYPE delta, VERSION n). */
  duckdb: { current: Record<string, unknown>[]; versions: Versions };
}

let python: string;
let base: string;

/** What delta-rs, pandas and DuckDB read from the lake's `snapshot/` table. */
function readDelta(lake: string): Read {
  const result = spawnSync(python, [path.join(root, 'test', 'delta', 'read_delta.py'), path.join(lake, 'snapshot'), 'Id'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Read;
}

const show = async (lake: string, version: number) => ndjson(await ok(['show', '--json', '--limit', '1000000', '--version', String(version), '--lake', lake]));
const commits = async (lake: string) => ndjson(await ok(['log', '--json', '--lake', lake]));
const entries = async (lake: string) => (await readdir(path.join(lake, 'snapshot', '_delta_log'))).filter((n) => n.endsWith('.json')).sort();
const actions = async (lake: string, deltaVersion: number) =>
  (await readFile(path.join(lake, 'snapshot', '_delta_log', `${String(deltaVersion).padStart(20, '0')}.json`), 'utf8'))
    .trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('the snapshot as a Delta Lake table', { timeout: 900_000 }, () => {
  before(async () => {
    python = await deltaReadersPython();
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-delta-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('every version, through runs, a migration, a rollback across it, a backfill and vacuum, reads as `subsnap show` reads it', async () => {
    const lake = path.join(base, "lake 'a' [1] ü");
    await lakeWithSchemaChanges(lake, base);
    await ok(['backfill', '--from', '2024-01-03', '--lake', lake]);
    const log = await commits(lake);
    assert.equal(log.length, 7);
    assert.deepEqual(await entries(lake), log.map((c) => `${String(Number(c.version) - 1).padStart(20, '0')}.json`), 'one Delta entry per version');

    const read = readDelta(lake);
    assert.equal(read.latest, 6);
    for (const c of log) {
      const v = Number(c.version);
      assert.deepEqual(read.versions[String(v - 1)]!.rows, await show(lake, v), `Delta version ${v - 1} is version ${v}`);
      assert.deepEqual(read.duckdb.versions[String(v - 1)]!.rows, await show(lake, v), `DuckDB: Delta version ${v - 1}`);
    }
    assert.deepEqual(read.current, await show(lake, 7));
    assert.deepEqual(read.duckdb.current, read.current);
    assert.deepEqual(read.pandas_keys, read.current.map((r) => String(r.Id)).sort(), 'pandas reads the current version');

    // The log itself: protocol and metaData first, a new metaData where the columns change (migrate
    // adds region, the rollback to version 2 drops it), one table id, removes and adds by difference.
    const first = await actions(lake, 0);
    assert.deepEqual(first.map((a) => Object.keys(a)[0]), ['commitInfo', 'protocol', 'metaData', 'add']);
    assert.deepEqual(first[1]!.protocol, { minReaderVersion: 1, minWriterVersion: 2 });
    const metaData = [];
    for (let d = 0; d < 7; d++) for (const a of await actions(lake, d)) if (a.metaData) metaData.push([d, a.metaData]);
    assert.deepEqual(metaData.map(([d]) => d), [0, 3, 5], 'metaData where the columns change: migrate, then the rollback across it');
    assert.equal(new Set(metaData.map(([, m]) => m.id)).size, 1);
    const fields = (m: any) => (JSON.parse(m.schemaString) as { fields: { name: string }[] }).fields.map((f) => f.name);
    assert.ok(fields(metaData[1]![1]).includes('region') && !fields(metaData[2]![1]).includes('region'));
    const rollback = await actions(lake, 5);
    assert.equal(rollback[0]!.commitInfo.operation, 'RESTORE');
    assert.deepEqual(rollback.filter((a) => a.add).map((a) => a.add.path), (log[1]!.snapshotFiles as string[]).map((f) => `versions/00000002/${f}`));
    assert.deepEqual(rollback.filter((a) => a.remove).map((a) => a.remove.path), (log[4]!.snapshotFiles as string[]).map((f) => `versions/00000005/${f}`));

    // Vacuum removes files that the current Delta version no longer adds; reading an older version
    // then fails in the reader, naming the missing file, as after Delta's own VACUUM.
    const vacuumed = JSON.parse(await ok(['vacuum', '--json', '--keep-versions', '2', '--lake', lake])) as { removedVersions: number[] };
    assert.deepEqual(vacuumed.removedVersions, [1, 3, 4, 5]);
    const after = readDelta(lake);
    assert.deepEqual(after.current, await show(lake, 7));
    for (const v of vacuumed.removedVersions) {
      assert.match(after.versions[String(v - 1)]!.error ?? '', /not found|No such file/i, `Delta version ${v - 1}`);
      assert.match(after.duckdb.versions[String(v - 1)]!.error ?? '', /Cannot open file|No such file/i, `DuckDB: Delta version ${v - 1}`);
    }
    assert.deepEqual(after.versions['1']!.rows, await show(lake, 2), 'version 2 is kept (version 6 restored it)');
  });

  it('a crash before the commit point leaves the readers on the last version; one after it is repaired by the next writer', async () => {
    const lake = path.join(base, 'crash');
    await ok(['generate', '--lake', lake, '--days', '3', '--records', '60']);
    await ok(['run', '--lake', lake, '--until', '2024-01-01']);
    const published = await subsnap(['run', '--lake', lake, '--until', '2024-01-02'], { SUBSNAP_CRASH_AT: 'published' });
    assert.equal(published.signal, 'SIGKILL');
    assert.equal(readDelta(lake).latest, 0, 'data files published, no commit: the readers see version 1');
    const committed = await subsnap(['run', '--lake', lake, '--until', '2024-01-02'], { SUBSNAP_CRASH_AT: 'committed' });
    assert.equal(committed.signal, 'SIGKILL');
    assert.equal((await commits(lake)).length, 2, 'version 2 committed');
    assert.equal(readDelta(lake).latest, 0, 'its Delta entry not written yet');
    await ok(['run', '--lake', lake, '--until', '2024-01-02']);
    const read = readDelta(lake);
    assert.equal(read.latest, 1, 'the next writer wrote the entry');
    assert.deepEqual(read.current, await show(lake, 2));
  });

  it('a lake without a Delta log gets it from its next writer, the same bytes as written at each commit', async () => {
    const lake = path.join(base, 'older');
    await ok(['generate', '--lake', lake, '--days', '3', '--records', '60']);
    for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) await ok(['run', '--lake', lake, '--until', day]);
    await ok(['rollback', '1', '--lake', lake]);
    const dir = path.join(lake, 'snapshot', '_delta_log');
    const written = await Promise.all((await entries(lake)).map((n) => readFile(path.join(dir, n), 'utf8')));
    await rm(dir, { recursive: true });
    const nothing = JSON.parse(await ok(['run', '--json', '--lake', lake])) as { committed: boolean };
    assert.equal(nothing.committed, false);
    assert.deepEqual(await Promise.all((await entries(lake)).map((n) => readFile(path.join(dir, n), 'utf8'))), written);
    assert.deepEqual(readDelta(lake).current, await show(lake, 4));
  });

  it('a checkpoint every 10 Delta versions: readers load the table from it alone', async () => {
    const lake = path.join(base, 'checkpointed');
    await ok(['generate', '--lake', lake, '--days', '12', '--records', '20', '--id-max', '60']);
    for (let day = 1; day <= 12; day++) await ok(['run', '--lake', lake, '--until', `2024-01-${String(day).padStart(2, '0')}`]);
    const dir = path.join(lake, 'snapshot', '_delta_log');
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => n.includes('checkpoint')).sort(), ['00000000000000000010.checkpoint.parquet', '_last_checkpoint']);
    const hint = JSON.parse(await readFile(path.join(dir, '_last_checkpoint'), 'utf8')) as Record<string, number>;
    assert.deepEqual({ version: hint.version, size: hint.size, numOfAddFiles: hint.numOfAddFiles }, { version: 10, size: 2 + 1 + 10, numOfAddFiles: 1 },
      'protocol, metaData, the live file of version 11 and the ten removed before it');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const reader = await connection.runAndReadAll(
      `SELECT count(protocol) AS p, count(metaData) AS m, count("add") AS a, count(remove) AS r, min("add".path) AS live FROM read_parquet('${path.join(dir, '00000000000000000010.checkpoint.parquet').replace(/'/g, "''")}')`);
    assert.deepEqual(reader.getRowObjectsJson()[0], { p: '1', m: '1', a: '1', r: '10', live: 'versions/00000011/part-00000.parquet' });
    connection.closeSync();
    db.closeSync();

    const read = readDelta(lake);
    for (let v = 1; v <= 12; v++) assert.deepEqual(read.versions[String(v - 1)]!.rows, await show(lake, v), `Delta version ${v - 1}`);
    // Without the entries before the checkpoint, the current version still loads (from the checkpoint).
    for (let d = 0; d < 10; d++) await rm(path.join(dir, `${String(d).padStart(20, '0')}.json`));
    const pruned = readDelta(lake);
    assert.deepEqual(pruned.current, await show(lake, 12));
    assert.deepEqual(pruned.versions['10']!.rows, await show(lake, 11));
    assert.match(pruned.versions['3']!.error ?? '', /log segment|not found|No files/i);
  });

  it('a catalog column of a type the Delta log cannot describe is refused before the commit, naming it', async () => {
    const lake = path.join(base, 'timestamp catalog');
    await ok(['generate', '--lake', lake, '--days', '1', '--records', '20']);
    const file = path.join(lake, 'catalog', 'subscriptions.parquet');
    const good = await readFile(file);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const q = (p: string) => `'${p.replace(/'/g, "''")}'`;
    await connection.run(`COPY (SELECT *, TIMESTAMP '2024-01-01 10:00:00' AS updated_at FROM read_parquet(${q(file)})) TO ${q(`${file}.new`)} (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
    await rename(`${file}.new`, file);
    const refused = await subsnap(['run', '--lake', lake]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /column updated_at has type timestamp, which the snapshot's Delta log cannot describe .*nothing was committed/);
    assert.deepEqual(await readdir(path.join(lake, 'snapshot', '_log')).catch(() => []), []);
    await writeFile(file, good);
    await ok(['run', '--lake', lake]);
    assert.equal(readDelta(lake).latest, 0, 'the next run, with the column gone, commits with its Delta entry');
  });
});
