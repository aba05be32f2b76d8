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
  const reads: FileRead[] = new Array(files.length);
  let next = 0;
  // A few readers, each taking the next file as soon as its last one is read.
  const reader = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const file = files[i]!;
      reads[i] = await storage.read(file).then((stored) => ({ file, stored }), (error: Error) => ({ file, error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, files.length) }, reader));
  return reads;
}
