/**
 * Named points of a run where the crash tests kill the process (SIGKILL, no cleanup), chosen by the
 * environment variable SUBSNAP_CRASH_AT. Nothing happens unless it names the point.
 */
export const CRASH_POINTS = [
  'locked',
  'inspected',
  'folded',
  'written',
  'published',
  'committed',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(point: CrashPoint): void {
  if (process.env.SUBSNAP_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
