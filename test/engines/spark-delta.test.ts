// Spark reads the snapshot as a Delta table: a Spark Connect server started with Delta Lake
// (`subsnap spark start --delta`: delta-spark from Maven Central) reads `delta.`lake/snapshot``, the
// current version and every earlier one (VERSION AS OF), equal to the Parquet files of that version;
// a checkpoint is read; a vacuumed version fails naming its missing file; the Spark engine folds on
// such a server as on any other.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../../src/engines/engine.js';
import { openSpark } from '../../src/engines/spark/spark-engine.js';
import { ok } from '../support/cli.js';
import { lakeWithSchemaChanges } from '../support/delta-log.js';
import { startTestSpark, type TestSparkServer } from '../support/spark-server.js';

let spark: TestSparkServer;
let engine: Engine;
let base: string;

const commits = async (lake: string) => (await ok(['log', '--json', '--lake', lake])).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
const table = (lake: string) => `delta.${engine.dialect.identifier(path.join(lake, 'snapshot'))}`;

/** Rows of `relation` whose text (maps as JSON) is not in `other`, both ways, and the row count. */
async function difference(relation: string, other: string): Promise<{ missing: number; extra: number; rows: number }> {
  const columns = await engine.columns(`SELECT * FROM ${relation}`);
  const list = columns.map((c) => (c.type.startsWith('map') ? `to_json(${engine.dialect.identifier(c.name)})` : engine.dialect.identifier(c.name))).join(', ');
  const [row] = await engine.query(`SELECT
    (SELECT COUNT(*) FROM (SELECT ${list} FROM ${other} EXCEPT ALL SELECT ${list} FROM ${relation})) AS missing,
    (SELECT COUNT(*) FROM (SELECT ${list} FROM ${relation} EXCEPT ALL SELECT ${list} FROM ${other})) AS extra,
    (SELECT COUNT(*) FROM ${relation}) AS n`);
  return { missing: Number(row!.missing), extra: Number(row!.extra), rows: Number(row!.n) };
}

describe('Spark reads the snapshot as a Delta table', { timeout: 1_200_000 }, () => {
  before(async () => {
    spark = await startTestSpark(undefined, { delta: true });
    engine = await openSpark(spark.remote);
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-spark-delta-'));
  });
  after(async () => {
    await engine?.close();
    await spark?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('the current version and every earlier one, through a migration and a rollback across it; a vacuumed version fails', async () => {
    const lake = path.join(base, 'lake');
    await lakeWithSchemaChanges(lake, base);
    const log = await commits(lake);
    for (const c of log) {
      const files = await engine.parquetFiles((c.snapshotFiles as string[]).map((f) => path.join(lake, c.snapshotPath, f)));
      const diff = await difference(`${table(lake)} VERSION AS OF ${c.version - 1}`, files);
      assert.deepEqual(diff, { missing: 0, extra: 0, rows: c.counts.totalKeys }, `Delta version ${c.version - 1}`);
    }
    const current = log.at(-1)!;
    const latest = await difference(table(lake), await engine.parquetFiles((current.snapshotFiles as string[]).map((f) => path.join(lake, current.snapshotPath, f))));
    assert.deepEqual(latest, { missing: 0, extra: 0, rows: current.counts.totalKeys });
    const columns = (await engine.columns(`SELECT * FROM ${table(lake)} VERSION AS OF 3`)).map((c) => c.name);
    assert.ok(columns.includes('region') && !(await engine.columns(`SELECT * FROM ${table(lake)}`)).some((c) => c.name === 'region'));

    await ok(['vacuum', '--keep-versions', '1', '--lake', lake]);
    await assert.rejects(engine.query(`SELECT COUNT(*) AS n FROM ${table(lake)} VERSION AS OF 2`), /FILE_NOT_EXIST|FileNotFound|does not exist|No such file/i);
  });

  it('a table with a checkpoint, and a lake folded by the Spark engine on this server', async () => {
    const lake = path.join(base, 'checkpointed');
    await ok(['generate', '--lake', lake, '--days', '12', '--records', '20', '--id-max', '60']);
    for (let day = 1; day <= 11; day++) await ok(['run', '--lake', lake, '--until', `2024-01-${String(day).padStart(2, '0')}`]);
    await ok(['run', '--lake', lake, '--engine', 'spark', '--spark-remote', spark.remote]);
    const log = await commits(lake);
    assert.equal(log.length, 12);
    for (const c of [log[2]!, log[10]!, log[11]!]) {
      const files = await engine.parquetFiles((c.snapshotFiles as string[]).map((f) => path.join(lake, c.snapshotPath, f)));
      assert.deepEqual(await difference(`${table(lake)} VERSION AS OF ${c.version - 1}`, files), { missing: 0, extra: 0, rows: c.counts.totalKeys });
    }
    const [n] = await engine.query(`SELECT COUNT(*) AS n FROM ${table(lake)}`);
    assert.equal(Number(n!.n), log[11]!.counts.totalKeys);
  });
});
