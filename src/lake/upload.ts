/** Copying files written on the local disk into a lake on another storage (`subsnap generate` for an HDFS lake). */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { LakeStorage } from './storage/lake-storage.js';

/**
 * Copies every file below `localDir` to the same relative path below `targetDir`, each one written
 * under a temporary name and renamed into place, replacing a file of that name: a reader sees the old
 * file or the whole new one. Returns the target paths.
 */
export async function uploadTree(localDir: string, storage: LakeStorage, targetDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of await fs.readdir(localDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const local = path.join(entry.parentPath, entry.name);
    const target = path.join(targetDir, path.relative(localDir, local));
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.upload-${process.pid}`);
    await storage.ensureDir(path.dirname(target));
    await storage.remove(temp);
    await storage.writeStream(temp, createReadStream(local, { highWaterMark: 1 << 20 }));
    await storage.remove(target);
    await storage.rename(temp, target);
    written.push(target);
  }
  return written;
}
