// The snapshot as a Delta Lake table, read by Trino (476, its Delta Lake connector, a file metastore)
// through the README's statements: register_table, then the current version and every version FOR
// VERSION AS OF equal `subsnap show` of that version, through a migration (new column), a rollback
// across it and a checkpoint; after vacuum, the current version still reads and a vacuumed version
// fails in Trino.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ndjson, ok } from '../support/cli.js';
import { deltaReadersPython, regionConfig } from '../support/delta-log.js';
import { startTestTrino, type TestTrino } from '../support/trino-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

type Row = Record<string, unknown>;
interface TrinoRead {
  current: Row[];
  versions: Record<string, { rows?: Row[]; error?: string }>;
}

let trino: TestTrino;
let python: string;
let base: string;

/** `subsnap show` of a version, with column names in lower case as Trino spells them. */
async function show(lake: string, version: number): Promise<Row[]> {
  const rows = ndjson<Row>(await ok(['show', '--json', '--limit', '1000000', '--version', String(version), '--lake', lake]));
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])));
}

function readWithTrino(schema: string, lake: string, latestDelta: number): TrinoRead {
  const args = [path.join(root, 'test', 'delta', 'read_trino.py'), String(trino.port), schema, path.join(lake, 'snapshot'), 'id', String(latestDelta)];
  const result = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as TrinoRead;
}

/** Versions 1..12: runs, a migration adding `region`, runs with it, a rollback to 3 across it, runs; a checkpoint at Delta version 10. */
async function lakeOfTwelveVersions(lake: string): Promise<void> {
  await ok(['generate', '--lake', lake, '--days', '10', '--records', '40', '--id-max', '90', '--dirty-rate', '0.02']);
  const day = (d: number) => `2024-01-${String(d).padStart(2, '0')}`;
  for (const d of [1, 2, 3]) await ok(['run', '--lake', lake, '--until', day(d)]);
  const config = await regionConfig(base);
  await ok(['migrate', '--config', config, '--lake', lake]);
  for (const d of [4, 5, 6, 7, 8]) await ok(['run', '--config', config, '--lake', lake, '--until', day(d)]);
  await ok(['rollback', '3', '--lake', lake]);
  for (const d of [9, 10]) await ok(['run', '--lake', lake, '--until', day(d)]);
}

describe('the snapshot read by Trino', { timeout: 900_000 }, () => {
  before(async () => {
    python = await deltaReadersPython();
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-trino-lake-'));
    trino = await startTestTrino();
  });
  after(async () => {
    await trino?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('every version FOR VERSION AS OF, and the current one, equal `subsnap show`; after vacuum a removed version fails', async () => {
    const lake = path.join(base, "lake 'a' [1] ü");
    await lakeOfTwelveVersions(lake);
    const log = path.join(lake, 'snapshot', '_delta_log');
    assert.ok((await readdir(log)).includes('_last_checkpoint'), 'a checkpoint was written');

    const shown = new Map<number, Row[]>();
    for (let v = 1; v <= 12; v++) shown.set(v, await show(lake, v));
    const read = readWithTrino('lake', lake, 11);
    for (let v = 1; v <= 12; v++) {
      assert.deepEqual(read.versions[String(v - 1)], { rows: shown.get(v) }, `Trino: Delta version ${v - 1} is version ${v}`);
    }
    assert.deepEqual(read.current, shown.get(12));
    assert.ok(read.versions['4']!.rows!.some((r) => 'region' in r) && !read.versions['2']!.rows!.some((r) => 'region' in r), 'the migration shows');

    const { removedVersions } = JSON.parse(await ok(['vacuum', '--keep-versions', '2', '--json', '--lake', lake])) as { removedVersions: number[] };
    assert.ok(removedVersions.length > 0 && !removedVersions.includes(12), `vacuum removed some older versions: ${removedVersions}`);
    const vacuumed = readWithTrino('vacuumed', lake, 11);
    assert.deepEqual(vacuumed.current, shown.get(12));
    for (let v = 1; v <= 12; v++) {
      const got = vacuumed.versions[String(v - 1)]!;
      // Trino names the data file it cannot open.
      if (removedVersions.includes(v)) assert.match(String(got.error), /snapshot\/versions\/\d{8}\/[^/]+\.parquet/, `version ${v} vacuumed: ${got.error}`);
      else assert.deepEqual(got, { rows: shown.get(v) }, `version ${v} kept`);
    }
  });
});
