// Delta checkpoints written in ascending order share one replay of the log: each reads only the
// entries after the previous one, and holds the same state as a replay from entry 0.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkpointName, emptyReplay, writeCheckpoint } from '../../src/lake/delta-checkpoint.js';
import { deltaEntryName, deltaLogDir } from '../../src/lake/delta-log.js';
import { lakeLayout } from '../../src/lake/layout.js';
import type { LakeStorage } from '../../src/lake/storage/lake-storage.js';
import { localStorage } from '../../src/lake/storage/local-storage.js';

const file = (v: number) => `versions/${String(v + 1).padStart(8, '0')}/part-00000.parquet`;

/** Entries 0..last: protocol and metaData first, then each version replaces the previous one's file. */
function entryText(v: number): string {
  const actions: object[] = [];
  if (v === 0) {
    actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    actions.push({ metaData: { id: 'table-id', format: { provider: 'parquet', options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: [], configuration: {}, createdTime: 1 } });
  } else {
    actions.push({ remove: { path: file(v - 1), deletionTimestamp: 1000 + v, dataChange: true, size: 10 } });
  }
  actions.push({ add: { path: file(v), partitionValues: {}, size: 10 + v, modificationTime: 2000 + v, dataChange: true } });
  return `${actions.map((a) => JSON.stringify(a)).join('\n')}\n`;
}

async function checkpointRows(checkpoint: string): Promise<unknown[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT to_json(protocol) AS p, to_json(metaData) AS m, to_json("add") AS a, to_json(remove) AS r FROM read_parquet('${checkpoint.replace(/'/g, "''")}') ORDER BY ALL`);
    return reader.getRowObjectsJson();
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** A storage that counts the reads of Delta entries. */
function counting(storage: LakeStorage, reads: string[]): LakeStorage {
  return { ...storage, read: (p) => (reads.push(path.basename(p)), storage.read(p)) };
}

describe('Delta checkpoints from one replay', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-checkpoint-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('checkpoints 10, 20 and 30 written in one pass read each entry once and equal checkpoints replayed from entry 0', async () => {
    const shared = path.join(base, 'shared');
    await mkdir(deltaLogDir(lakeLayout(shared)), { recursive: true });
    for (let v = 0; v <= 31; v++) await writeFile(path.join(deltaLogDir(lakeLayout(shared)), deltaEntryName(v)), entryText(v));
    const alone = path.join(base, 'alone');
    await cp(shared, alone, { recursive: true });

    const reads: string[] = [];
    const layout = lakeLayout(shared, counting(localStorage, reads));
    const replay = emptyReplay();
    for (const v of [10, 20, 30]) assert.equal(await writeCheckpoint(layout, v, replay), true);
    const entriesRead = reads.filter((n) => /^\d{20}\.json$/.test(n));
    assert.deepEqual(entriesRead, Array.from({ length: 31 }, (_, v) => deltaEntryName(v)), 'entries 0..30, each once');

    for (const v of [10, 20, 30]) {
      assert.equal(await writeCheckpoint(lakeLayout(alone), v), true);
      const [a, b] = [path.join(deltaLogDir(lakeLayout(shared)), checkpointName(v)), path.join(deltaLogDir(lakeLayout(alone)), checkpointName(v))];
      const rows = await checkpointRows(a);
      assert.deepEqual(rows, await checkpointRows(b), `checkpoint ${v}`);
      assert.equal(rows.length, 2 + 1 + v, `checkpoint ${v}: protocol, metaData, one live file, ${v} removed`);
    }
  });
});
