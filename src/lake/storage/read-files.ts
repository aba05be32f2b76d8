/**
 * Reads many small files of a storage, a few at a time (a remote storage answers each read in its
 * own request, so one after another would pay its latency per file). Every file's outcome, in the
 * files' order: its text (undefined when it is gone) or the error reading it, so that the caller
 * reports the first problem in its own order.
 */
import type { LakeStorage, StoredText } from './lake-storage.js';

const READS_AT_ONCE = 16;

export type FileRead = { file: string; stored: StoredText | undefined } | { file: string; error: Error };

export async function readFiles(storage: LakeStorage, files: readonly string[]): Promise<FileRead[]> {
  const reads: FileRead[] = [];
  for (let start = 0; start < files.length; start += READS_AT_ONCE) {
    const batch = files.slice(start, start + READS_AT_ONCE);
    const settled = await Promise.allSettled(batch.map((file) => storage.read(file)));
    reads.push(...settled.map((s, i): FileRead => (s.status === 'fulfilled' ? { file: batch[i]!, stored: s.value } : { file: batch[i]!, error: s.reason as Error })));
  }
  return reads;
}
