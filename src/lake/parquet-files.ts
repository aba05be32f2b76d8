/**
 * Parquet files of a folder, listed by the lake module so that engines read an explicit list (names
 * are data, not patterns). A folder may hold plain files or, as Spark writes them, a folder of part
 * files named like one (`subscriptions.parquet/part-00000-….parquet`).
 */
import path from 'node:path';
import type { LakeStorage } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';

const isData = (name: string) => name.endsWith('.parquet') && !name.startsWith('.') && !name.startsWith('_');

/** Paths relative to `dir`, sorted, of `*.parquet` files in it and in its `*.parquet` sub-folders. */
export async function listParquetFiles(dir: string, storage: LakeStorage = localStorage): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await storage.listStatus(dir)) {
    if (!isData(entry.name)) continue;
    if (entry.type === 'file') files.push(entry.name);
    else if (entry.type === 'directory') {
      for (const part of await storage.listStatus(path.join(dir, entry.name))) {
        if (part.type === 'file' && isData(part.name)) files.push(`${entry.name}/${part.name}`);
      }
    }
  }
  return files.sort();
}
