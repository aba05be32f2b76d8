/**
 * Delta checkpoints (docs/PROTOCOL.md, "The Delta log"): every 10 Delta versions, the table's state
 * at that version as one Parquet file, `_delta_log/NNNNNNNNNNNNNNNNNNNN.checkpoint.parquet` (the
 * protocol, the latest metaData, one `add` per live file, one `remove` per file removed and not
 * added again), and `_delta_log/_last_checkpoint` naming it, so that readers replay at most ten
 * entries. The state is replayed from the log's own entries. The Parquet file is written by DuckDB
 * (in-process) into a local temporary folder, then copied in under a hidden name and renamed into
 * place; `_last_checkpoint` is replaced atomically. Both are derived: a missing one is written again.
 */
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckdbDialect } from '../engines/duckdb/duckdb-dialect.js';
import { deltaEntryName, deltaLogDir } from './delta-log.js';
import { readFiles } from './storage/read-files.js';
import type { LakeLayout } from './layout.js';

export const CHECKPOINT_INTERVAL = 10;

export const checkpointName = (version: number) => `${String(version).padStart(20, '0')}.checkpoint.parquet`;

interface Replayed {
  protocol: Record<string, any>;
  metaData: Record<string, any>;
  live: Map<string, Record<string, any>>;
  removed: Map<string, Record<string, any>>;
}

/** A replay of the log through Delta version `through` (-1: nothing replayed yet). */
export interface Replay {
  state: Partial<Replayed> & Pick<Replayed, 'live' | 'removed'>;
  through: number;
}

export const emptyReplay = (): Replay => ({ state: { live: new Map(), removed: new Map() }, through: -1 });

/** Carries `replay` on to Delta version `version`: reads only the entries after the ones it holds. */
async function replayTo(layout: LakeLayout, replay: Replay, version: number): Promise<Replayed> {
  const { state } = replay;
  const files = Array.from({ length: version - replay.through }, (_, i) => path.join(deltaLogDir(layout), deltaEntryName(replay.through + 1 + i)));
  for (const read of await readFiles(layout.storage, files)) {
    if ('error' in read) throw read.error;
    if (!read.stored) throw new Error(`Delta entry ${read.file} is missing: no checkpoint at version ${version}`);
    for (const line of read.stored.text.split('\n').filter(Boolean)) {
      const action = JSON.parse(line) as Record<string, any>;
      if (action.protocol) state.protocol = action.protocol;
      if (action.metaData) state.metaData = action.metaData;
      if (action.add) {
        state.live.set(action.add.path, action.add);
        state.removed.delete(action.add.path);
      }
      if (action.remove) {
        state.live.delete(action.remove.path);
        state.removed.set(action.remove.path, action.remove);
      }
    }
  }
  replay.through = version;
  if (!state.protocol || !state.metaData) throw new Error(`the Delta log has no protocol or metaData by version ${version}`);
  return state as Replayed;
}

const q = duckdbDialect.literal;
const map = (entries: Record<string, string>) =>
  `MAP {${Object.entries(entries).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ')}}::MAP(VARCHAR, VARCHAR)`;
const bigint = (n: number) => `${Math.trunc(n)}::BIGINT`;

const COLUMNS = `
  protocol STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER),
  metaData STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)),
    schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT),
  "add" STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN,
    stats VARCHAR, tags MAP(VARCHAR, VARCHAR)),
  remove STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN,
    partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)`;

/** One INSERT per action kind: a row holds one action, the other columns null. */
function checkpointInserts(state: Replayed): string[] {
  const { protocol: p, metaData: m } = state;
  const inserts = [
    `INSERT INTO cp (protocol) VALUES ({'minReaderVersion': ${Number(p.minReaderVersion)}, 'minWriterVersion': ${Number(p.minWriterVersion)}})`,
    `INSERT INTO cp (metaData) VALUES ({'id': ${q(m.id)}, 'name': NULL, 'description': NULL,
      'format': {'provider': ${q(m.format.provider)}, 'options': ${map(m.format.options ?? {})}}, 'schemaString': ${q(m.schemaString)},
      'partitionColumns': []::VARCHAR[], 'configuration': ${map(m.configuration ?? {})}, 'createdTime': ${bigint(m.createdTime)}})`,
  ];
  for (const a of state.live.values()) {
    inserts.push(`INSERT INTO cp ("add") VALUES ({'path': ${q(a.path)}, 'partitionValues': ${map({})}, 'size': ${bigint(a.size)},
      'modificationTime': ${bigint(a.modificationTime)}, 'dataChange': false, 'stats': NULL, 'tags': NULL})`);
  }
  for (const r of state.removed.values()) {
    inserts.push(`INSERT INTO cp (remove) VALUES ({'path': ${q(r.path)}, 'deletionTimestamp': ${bigint(r.deletionTimestamp)}, 'dataChange': true,
      'extendedFileMetadata': true, 'partitionValues': ${map({})}, 'size': ${bigint(r.size ?? 0)}})`);
  }
  return inserts;
}

/** Replaces `_last_checkpoint` unless it names a later checkpoint (an older one written again leaves it). */
async function pointLastCheckpoint(layout: LakeLayout, hint: { version: number; size: number; sizeInBytes: number; numOfAddFiles: number }): Promise<void> {
  const file = path.join(deltaLogDir(layout), '_last_checkpoint');
  const stored = await layout.storage.read(file);
  let named = -1;
  try {
    named = stored ? Number((JSON.parse(stored.text) as { version?: unknown }).version) : -1;
  } catch {
    named = -1; // unreadable: replaced
  }
  if (named > hint.version) return;
  await layout.storage.replace(file, `${JSON.stringify(hint)}\n`);
}

/**
 * Writes the checkpoint of Delta version `version` (and `_last_checkpoint`) unless it is there.
 * `replay`: the log replayed so far, carried on to `version` (checkpoints written in ascending order
 * share one; the default replays from entry 0).
 */
export async function writeCheckpoint(layout: LakeLayout, version: number, replay: Replay = emptyReplay()): Promise<boolean> {
  const { storage } = layout;
  const dir = deltaLogDir(layout);
  const target = path.join(dir, checkpointName(version));
  if (await storage.stat(target)) return false;
  if (version < replay.through) throw new Error(`checkpoint ${version} asked after the log was replayed to ${replay.through}`);
  const state = await replayTo(layout, replay, version);
  const local = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-checkpoint-'));
  try {
    const file = path.join(local, 'checkpoint.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      try {
        await connection.run(`CREATE TABLE cp (${COLUMNS})`);
        for (const insert of checkpointInserts(state)) await connection.run(insert);
        await connection.run(`COPY cp TO ${q(file)} (FORMAT parquet, COMPRESSION zstd)`);
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
    const hidden = path.join(dir, `.${checkpointName(version)}.tmp-${process.pid}`);
    await storage.remove(hidden);
    await storage.writeStream(hidden, createReadStream(file));
    try {
      await storage.rename(hidden, target);
    } catch (error) {
      await storage.remove(hidden);
      if (await storage.stat(target)) return false;
      throw error;
    }
    await pointLastCheckpoint(layout, { version, size: 2 + state.live.size + state.removed.size, sizeInBytes: (await fs.stat(file)).size, numOfAddFiles: state.live.size });
    return true;
  } finally {
    await fs.rm(local, { recursive: true, force: true });
  }
}
