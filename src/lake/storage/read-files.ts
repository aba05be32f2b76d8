/**
 * Reads many small files of a storage, a few at a time (a remote storage answers each read in its
 * own request, so one after another would pay its latency per file); results in the files' order.
 */
import type { LakeStorage, StoredText } from './lake-storage.js';

const READS_AT_ONCE = 16;

export async function readFiles(storage: LakeStorage, files: readonly string[]): Promise<(StoredText | undefined)[]> {
  const texts: (StoredText | undefined)[] = [];
  for (let start = 0; start < files.length; start += READS_AT_ONCE) {
    texts.push(...(await Promise.all(files.slice(start, start + READS_AT_ONCE).map((file) => storage.read(file)))));
  }
  return texts;
}
