import { readCommits, type Commit } from '../lake/commit-log.js';
import type { LakeLayout } from '../lake/layout.js';
import { openLake } from '../lake/lake-location.js';
import { syncDeltaLog } from '../lake/delta-sync.js';
import { removeLeftovers } from '../lake/leftovers.js';
import { acquireWriterLock } from '../lake/writer-lock.js';
import { crashPoint } from './fault-points.js';

export interface WriterSession {
  layout: LakeLayout;
  commits: Commit[];
  current: Commit | undefined;
  /**
   * Throws unless this process still holds the lake's lock (another takes it over once its lease
   * runs out), and renews the lease: call it right before writing the commit record.
   */
  assertLockHeld: () => Promise<void>;
}

/**
 * Runs `work` as the lake's one writer: lock, read the log, clear a crashed writer's leftovers. The
 * lake is a layout, or a `--lake` value (a local folder or an hdfs:// URI).
 */
export async function asWriter<T>(lake: string | LakeLayout, work: (session: WriterSession) => Promise<T>): Promise<T> {
  const layout = typeof lake === 'string' ? await openLake({ lake }) : lake;
  const lock = await acquireWriterLock(layout.lock, { storage: layout.storage, beforeLink: () => crashPoint('lock-written') });
  try {
    crashPoint('locked');
    const commits = await readCommits(layout);
    const current = commits.at(-1);
    await removeLeftovers(layout, current?.version ?? 0);
    await syncDeltaLog(layout, commits);
    const result = await work({ layout, commits, current, assertLockHeld: () => lock.assertHeld() });
    // The Delta entry of what `work` committed (the commit record is the commit point, see delta-log.ts).
    await syncDeltaLog(layout, await readCommits(layout, commits));
    return result;
  } finally {
    await lock.release();
  }
}
