/**
 * Named points of a run or an archive where the crash tests kill the process (SIGKILL, no
 * cleanup), chosen by the environment variable SUBSNAP_CRASH_AT. Nothing happens unless it names
 * the point.
 */

/** The stages of a run. 'lock-written': the lock record is durable in its temp file, not yet linked as the lock. */
export const RUN_CRASH_POINTS = [
  'lock-written',
  'locked',
  'inspected',
  'folded',
  'written',
  'published',
  'committed',
] as const;

/** The steps of `subsnap archive` writing a segment (src/kafka/archive-store.ts). */
export const ARCHIVE_CRASH_POINTS = ['archive-staged', 'archive-state-written', 'archive-renamed'] as const;

export const CRASH_POINTS = [...RUN_CRASH_POINTS, ...ARCHIVE_CRASH_POINTS] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(point: CrashPoint): void {
  if (process.env.SUBSNAP_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
