/**
 * Parquet files of a folder, listed by the lake module so that engines read an explicit list (names
 * are data, not patterns). A folder may hold plain files or, as Spark writes them, a folder of part
 * files named like one (`subscriptions.parquet/part-00000-….parquet`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const isData = (name: string) => name.endsWith('.parquet') && !name.startsWith('.') && !name.startsWith('_');

/** Paths relative to `dir`, sorted, of `*.parquet` files in it and in its `*.parquet` sub-folders. */
export async function listParquetFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (!isData(entry.name)) continue;
    if (entry.isFile()) files.push(entry.name);
    else if (entry.isDirectory()) {
      for (const part of await fs.readdir(path.join(dir, entry.name), { withFileTypes: true })) {
        if (part.isFile() && isData(part.name)) files.push(`${entry.name}/${part.name}`);
      }
    }
  }
  return files.sort();
}
