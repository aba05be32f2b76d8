import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { FileFingerprint } from './commit-log.js';
import { listParquetFiles } from './parquet-files.js';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The catalog's Parquet files with checksums (paths relative to the catalog folder, a folder of part
 * files included): a change of catalog is a reason to commit a version.
 */
export async function fingerprintCatalog(catalogDir: string): Promise<FileFingerprint[]> {
  const files = await listParquetFiles(catalogDir);
  return Promise.all(
    files.map(async (name) => {
      const full = path.join(catalogDir, name);
      return { path: name, size: (await fs.stat(full)).size, sha256: await sha256File(full) };
    }),
  );
}

export function sameFingerprints(a: FileFingerprint[], b: FileFingerprint[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]?.path && f.sha256 === b[i]?.sha256);
}
