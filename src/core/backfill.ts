import type { Engine } from '../engines/engine.js';
import { sameFingerprints } from '../lake/catalog-files.js';
import { consumedFiles, type Commit, type ConsumedFile } from '../lake/commit-log.js';
import { openLake } from '../lake/lake-location.js';
import type { LakeLayout } from '../lake/layout.js';
import { compareJournalFiles, listJournalFiles, type JournalFile } from '../lake/journal-files.js';
import type { Config } from './config.js';
import { foldAndCommit, policiesRecord, requireCatalog, RunError, type Progress } from './fold-and-commit.js';
import type { RunReport } from './run-report.js';
import { versionFiles } from './lake-history.js';
import { foldedFiles } from './version-lineage.js';
import { asWriter } from './writer-session.js';

export interface BackfillOptions {
  config: Config;
  engine: Engine;
  from: string;
  to?: string;
  onProgress?: Progress;
}

/**
 * Rebuilds the snapshot from a journal date on: starts from the last version whose content holds
 * only days before `from`, and folds onto it every journal file of `from` or later that the
 * current version holds or that was consumed (their content as it is now), plus new files up to
 * `to`. The result equals a full rebuild from scratch over the same files; it is committed as a
 * new version.
 */
export async function backfillSnapshot(options: BackfillOptions): Promise<RunReport> {
  const started = Date.now();
  const { config, engine, from, to } = options;
  if (to && to < from) throw new RunError(`--to ${to} is before --from ${from}`);
  return asWriter(await openLake(config), async (session) => {
    const { layout, commits, current } = session;
    const held = current ? foldedFiles(commits, current.version) : new Map();
    const base = await baseVersion(commits, from, layout, held, (c) => sameShape(c, config));
    const baseFiles = base ? foldedFiles(commits, base.version) : new Map();
    const consumed = consumedFiles(commits);
    const { files } = await listJournalFiles(layout.journal, layout.storage);
    const present = new Map(files.map((f) => [f.path, f]));

    // Everything the current version holds that the base does not must be folded again.
    const needed = [...held.values()].filter((f) => !baseFiles.has(f.path));
    const missing = needed.filter((f) => !present.has(f.path));
    if (missing.length) {
      throw new RunError(
        `cannot backfill from ${from}: journal file(s) ${missing.slice(0, 3).map((f) => f.path).join(', ')} ` +
          `${missing.length > 3 ? `and ${missing.length - 3} more ` : ''}are gone (removed after their TTL?) and ` +
          `${base ? `version ${base.version}, the last built only from days before ${from}, does not hold them` : `no version was built only from days before ${from}`}; ` +
          'backfill from a later date',
      );
    }
    const refold = new Map<string, JournalFile>();
    for (const f of needed) refold.set(f.path, present.get(f.path)!);
    for (const f of files) {
      if (f.date < from || baseFiles.has(f.path)) continue;
      if (consumed.has(f.path) || !to || f.date <= to) refold.set(f.path, f);
    }
    const ordered = [...refold.values()].sort(compareJournalFiles);
    const catalog = await requireCatalog(layout);
    const report = await foldAndCommit(session, engine, config, {
      base,
      files: ordered,
      operation: 'backfill',
      policies: await policiesRecord(config),
      catalog,
      catalogChanged: current !== undefined && !sameFingerprints(current.catalog, catalog),
      warnings: [],
      started,
    }, options.onProgress);
    return { ...report, message: `${report.message}: backfilled ${ordered.length} journal file(s) from ${from}` };
  });
}

/**
 * The newest version whose content holds only journal days before `from`, all of them held by the
 * current version as well (so a rolled-back-away version is never a base), and whose files remain.
 */
async function baseVersion(
  commits: Commit[], from: string, layout: LakeLayout, held: Map<string, ConsumedFile>, compatible: (c: Commit) => boolean,
): Promise<Commit | undefined> {
  for (let v = commits.length; v >= 1; v--) {
    const commit = commits[v - 1]!;
    const files = [...foldedFiles(commits, v).values()];
    const usable = files.every((f) => f.date < from && held.get(f.path)?.checksum === f.checksum);
    if (usable && compatible(commit) && (await versionFiles(layout, commit)).state === 'present') return commit;
  }
  return undefined;
}

/** A version stores the columns this configuration folds into (same schema and PII policy). */
function sameShape(commit: Commit, config: Config): boolean {
  const schema = commit.schema === undefined || JSON.stringify(commit.schema) === JSON.stringify(config.schema);
  return schema && commit.policies.pii === config.policies.pii;
}
