import path from 'node:path';
import type { Commit } from '../lake/commit-log.js';
import { listJournalFiles } from '../lake/journal-files.js';
import { archiveQuarantineDir, type LakeLayout } from '../lake/layout.js';
import type { LakeStorage } from '../lake/storage/lake-storage.js';
import { RunError } from './run-error.js';
import { foldedFiles } from './version-lineage.js';
import { asWriter } from './writer-session.js';

export interface VacuumOptions {
  /** Keep the files of this many most recent versions (the current one always). */
  keepVersions: number;
  /** Remove journal files (and the quarantine of their days) older than this many days before the newest journal day of the current version. */
  journalTtlDays?: number;
  dryRun: boolean;
}

export interface VacuumReport {
  dryRun: boolean;
  removedVersions: number[];
  removedJournalFiles: string[];
  /** Journal files past the TTL kept because their content differs from what was folded (a backfill needs them). */
  keptChangedJournalFiles: string[];
  /** Quarantine folders removed (paths relative to the lake root): `quarantine/version=N` and `quarantine/archive/date=DAY`. */
  removedQuarantine: string[];
  journalCutoff: string | null;
  warnings: string[];
  message: string;
}

const dayBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
const toPosix = (p: string) => p.split(path.sep).join('/');
const ARCHIVE_DAY = /^date=(\d{4}-\d{2}-\d{2})$/;

/**
 * Deletes the files of old versions, and journal files past their TTL with the quarantine of their
 * days. Never the current version, never files a kept version still names (a rollback shares its
 * target's files), never a journal file that no kept version holds (a run or a backfill still needs
 * it), and never one whose content changed since it was folded (a backfill needs it). Commit records
 * stay: the history remains readable, and reading a removed version says so.
 */
export async function vacuumLake(lake: LakeLayout, options: VacuumOptions): Promise<VacuumReport> {
  if (!Number.isInteger(options.keepVersions) || options.keepVersions < 1) throw new RunError('--keep-versions must be at least 1');
  if (options.journalTtlDays !== undefined && !(Number.isInteger(options.journalTtlDays) && options.journalTtlDays >= 0)) {
    throw new RunError(`--journal-ttl: got ${options.journalTtlDays}, expected a whole number of days >= 0`);
  }
  return asWriter(lake, async ({ layout, commits, current, assertLockHeld }) => {
    const report: VacuumReport = {
      dryRun: options.dryRun, removedVersions: [], removedJournalFiles: [], keptChangedJournalFiles: [], removedQuarantine: [],
      journalCutoff: null, warnings: [], message: 'nothing to vacuum: no version yet',
    };
    if (!current) return report;
    const kept = commits.slice(-options.keepVersions);
    const keptPaths = new Set(kept.map((c) => c.snapshotPath));
    const { storage } = layout;
    const present = async (relative: string) => (await storage.stat(path.join(layout.root, relative))) !== undefined;
    const removable: Commit[] = [];
    for (const c of commits) if (!kept.includes(c) && !keptPaths.has(c.snapshotPath) && (await present(c.snapshotPath))) removable.push(c);
    report.removedVersions = removable.map((c) => c.version);

    const quarantine: string[] = [];
    const archiveDays: string[] = [];
    if (options.journalTtlDays !== undefined) {
      const held = foldedFiles(commits, current.version);
      const newest = [...held.values()].reduce((max, f) => (f.date > max ? f.date : max), '');
      if (newest) {
        const cutoff = dayBefore(newest, options.journalTtlDays);
        report.journalCutoff = cutoff;
        const { files } = await listJournalFiles(layout.journal, layout.storage);
        const unchanged: typeof files = [];
        for (const f of files) {
          // Only files the current version holds, and only as they were when folded: content, not size, decides.
          const folded = held.get(f.path);
          if (f.date >= cutoff || !folded) continue;
          if (folded.size === f.size && (await storage.checksum(f.absPath)) === folded.checksum) unchanged.push(f);
          else {
            report.keptChangedJournalFiles.push(f.path);
            report.warnings.push(
              `kept journal file ${f.path}: it changed since it was folded (its checksum differs from the commit log's); ` +
                `\`subsnap backfill --from ${f.date}\` folds its new content, a later vacuum removes it`,
            );
          }
        }
        // `backfill --from DAY` refolds every held file of DAY and later: keep them while a changed file awaits it.
        const firstChanged = report.keptChangedJournalFiles.map((p) => held.get(p)!.date).sort()[0];
        const waiting = firstChanged === undefined ? [] : unchanged.filter((f) => f.date >= firstChanged);
        report.removedJournalFiles = unchanged.filter((f) => !waiting.includes(f)).map((f) => f.path);
        if (waiting.length) {
          report.warnings.push(
            `kept ${waiting.length} unchanged journal file(s) of days from ${firstChanged} on past the TTL: ` +
              `\`subsnap backfill --from ${firstChanged}\` needs them with the changed file(s)`,
          );
        }
        // A run's rejects come from the files it consumed: past the TTL once all of their days are.
        for (const c of commits) {
          if (!c.quarantinePath || c.consumed.length === 0 || !c.consumed.every((f) => f.date < cutoff)) continue;
          if (await present(c.quarantinePath)) quarantine.push(c.quarantinePath);
        }
        archiveDays.push(...(await archiveQuarantineDays(layout, cutoff)));
      }
    }
    report.removedQuarantine = [...quarantine, ...archiveDays.map((d) => toPosix(path.relative(layout.root, d)))];

    if (!options.dryRun) {
      // Deleting is vacuum's commit: only the lock's holder may do it.
      await assertLockHeld();
      const trash = path.join(layout.staging, 'vacuum');
      for (const c of removable) await removeFolder(layout, trash, c.snapshotPath);
      for (const q of quarantine) await removeFolder(layout, trash, q);
      for (const dir of archiveDays) {
        const left = await removeArchiveDay(storage, dir);
        if (left) report.warnings.push(`${toPosix(path.relative(layout.root, dir))}: kept ${left} file(s) that \`subsnap archive\` is writing`);
      }
      for (const f of report.removedJournalFiles) await storage.remove(path.join(layout.journal, f));
      await storage.removeTree(trash);
      await storage.remove(layout.staging).catch(() => undefined);
    }
    const verb = options.dryRun ? 'would remove' : 'removed';
    report.message =
      `${verb} the files of ${removable.length} version(s), ${report.removedJournalFiles.length} journal file(s) ` +
      `and ${report.removedQuarantine.length} quarantine folder(s)` +
      (report.journalCutoff ? ` (journal days before ${report.journalCutoff})` : '') +
      (report.keptChangedJournalFiles.length ? `; kept ${report.keptChangedJournalFiles.length} changed journal file(s) for a backfill` : '');
    return report;
  });
}

/**
 * Moves a folder into the writer's staging area, then deletes it: a crash midway never leaves a
 * half-deleted version (which a backfill could take as its base) or quarantine; the next writer
 * clears staging.
 */
async function removeFolder(layout: LakeLayout, trash: string, relative: string): Promise<void> {
  const { storage } = layout;
  const from = path.join(layout.root, relative);
  const to = path.join(trash, relative.replace(/[\\/]/g, '+'));
  await storage.ensureDir(trash);
  if (!(await storage.stat(from))) return;
  await storage.rename(from, to);
  await storage.removeTree(to);
}

/** `quarantine/archive/date=DAY` folders of days before `cutoff`, absolute paths. */
async function archiveQuarantineDays(layout: LakeLayout, cutoff: string): Promise<string[]> {
  const root = archiveQuarantineDir(layout);
  return (await layout.storage.listStatus(root))
    .filter((e) => e.type === 'directory' && (ARCHIVE_DAY.exec(e.name)?.[1] ?? cutoff) < cutoff)
    .map((e) => path.join(root, e.name))
    .sort();
}

/**
 * The archive writes its files as hidden `.NAME.pending` first, under its own lock, not the
 * snapshot's: visible files are complete and removed one by one; the folder goes once empty, so a
 * segment being written is left alone. Returns how many files were left.
 */
async function removeArchiveDay(storage: LakeStorage, dir: string): Promise<number> {
  for (const name of (await storage.list(dir)).filter((n) => !n.startsWith('.'))) await storage.removeTree(path.join(dir, name));
  const left = (await storage.list(dir)).length;
  if (left > 0) return left;
  try {
    await storage.remove(dir);
    return 0;
  } catch {
    // A file arrived meanwhile: the folder stays with it.
    return (await storage.list(dir)).length;
  }
}
