import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Commit } from '../lake/commit-log.js';
import { listJournalFiles } from '../lake/journal-files.js';
import { RunError } from './fold-and-commit.js';
import { foldedFiles } from './version-lineage.js';
import { asWriter } from './writer-session.js';

export interface VacuumOptions {
  /** Keep the files of this many most recent versions (the current one always). */
  keepVersions: number;
  /** Remove journal files older than this many days before the newest journal day of the current version. */
  journalTtlDays?: number;
  dryRun: boolean;
}

export interface VacuumReport {
  dryRun: boolean;
  removedVersions: number[];
  removedJournalFiles: string[];
  journalCutoff: string | null;
  message: string;
}

const dayBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

/**
 * Deletes the files of old versions and journal files past their TTL. Never the current version,
 * never files a kept version still names (a rollback shares its target's files), and never a journal
 * file that no kept version holds: such a file is still needed by a run or a backfill. Commit records
 * stay: the history remains readable, and reading a removed version says so.
 */
export async function vacuumLake(lake: string, options: VacuumOptions): Promise<VacuumReport> {
  if (!Number.isInteger(options.keepVersions) || options.keepVersions < 1) throw new RunError('--keep-versions must be at least 1');
  return asWriter(lake, async ({ layout, commits, current }) => {
    if (!current) return { dryRun: options.dryRun, removedVersions: [], removedJournalFiles: [], journalCutoff: null, message: 'nothing to vacuum: no version yet' };
    const kept = commits.slice(-options.keepVersions);
    const keptPaths = new Set(kept.map((c) => c.snapshotPath));
    const removable = commits.filter(
      (c: Commit) => !kept.includes(c) && !keptPaths.has(c.snapshotPath) && existsSync(path.join(layout.root, c.snapshotPath)),
    );

    let journalCutoff: string | null = null;
    const removedJournalFiles: string[] = [];
    if (options.journalTtlDays !== undefined) {
      const held = foldedFiles(commits, current.version);
      const newest = [...held.values()].reduce((max, f) => (f.date > max ? f.date : max), '');
      if (newest) {
        journalCutoff = dayBefore(newest, options.journalTtlDays);
        const { files } = await listJournalFiles(layout.journal);
        for (const f of files) {
          // Only files the current version holds, as they were when folded (a changed file awaits backfill).
          const folded = held.get(f.path);
          if (f.date < journalCutoff && folded?.size === f.size) removedJournalFiles.push(f.path);
        }
      }
    }
    if (!options.dryRun) {
      for (const c of removable) await fs.rm(path.join(layout.root, c.snapshotPath), { recursive: true, force: true });
      for (const f of removedJournalFiles) await fs.rm(path.join(layout.journal, f), { force: true });
    }
    const verb = options.dryRun ? 'would remove' : 'removed';
    return {
      dryRun: options.dryRun,
      removedVersions: removable.map((c) => c.version),
      removedJournalFiles,
      journalCutoff,
      message: `${verb} the files of ${removable.length} version(s) and ${removedJournalFiles.length} journal file(s)` +
        (journalCutoff ? ` (journal days before ${journalCutoff})` : ''),
    };
  });
}
