/** Reading a folder of Parquet files through an engine: the lake lists them, the engine reads that list. */
import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { listParquetFiles } from '../lake/parquet-files.js';
import type { LakeStorage } from '../lake/storage/lake-storage.js';

/** Engine locations of `files` (relative to `dir`), or of every Parquet file in `dir` when not given. */
export async function parquetPaths(storage: LakeStorage, dir: string, files?: string[]): Promise<string[]> {
  const names = files ?? (await listParquetFiles(dir, storage));
  if (names.length === 0) throw new Error(`no Parquet files in ${storage.engineLocation(dir)}`);
  return names.map((f) => storage.engineLocation(path.join(dir, f)));
}

/** A table expression over the Parquet files of `dir` (or the named ones). */
export async function parquetTable(engine: Engine, storage: LakeStorage, dir: string, files?: string[]): Promise<string> {
  return engine.parquetFiles(await parquetPaths(storage, dir, files));
}
