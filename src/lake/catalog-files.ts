import path from 'node:path';
import type { FileFingerprint } from './commit-log.js';
import { listParquetFiles } from './parquet-files.js';
import type { LakeStorage } from './storage/lake-storage.js';

/**
 * The catalog's Parquet files with checksums (paths relative to the catalog folder, a folder of part
 * files included): a change of catalog is a reason to commit a version.
 */
export async function fingerprintCatalog(catalogDir: string, storage: LakeStorage): Promise<FileFingerprint[]> {
  const files = await listParquetFiles(catalogDir, storage);
  return Promise.all(
    files.map(async (name) => {
      const full = path.join(catalogDir, name);
      const status = await storage.stat(full);
      return { path: name, size: status?.size ?? 0, checksum: await storage.checksum(full) };
    }),
  );
}

export function sameFingerprints(a: FileFingerprint[], b: FileFingerprint[]): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i]?.path && f.checksum === b[i]?.checksum);
}
