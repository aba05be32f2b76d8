import type { Engine } from '../engines/engine.js';
import { sameFingerprints } from '../lake/catalog-files.js';
import { openLake } from '../lake/lake-location.js';
import type { LakeStorage } from '../lake/storage/lake-storage.js';
import { consumedFiles, type Commit, type ConsumedFile } from '../lake/commit-log.js';
import { listJournalFiles, type JournalFile } from '../lake/journal-files.js';
import type { Config } from './config.js';
import { foldAndCommit, policiesRecord, requireCatalog, RunError, type Progress } from './fold-and-commit.js';
import { uncommittedReport, type RunReport } from './run-report.js';
import { checkSchemaUnchanged } from './schema-change.js';
import { asWriter } from './writer-session.js';

export { RunError };

export interface RunOptions {
  config: Config;
  engine: Engine;
  /** Fold only journal days up to this date (inclusive). */
  until?: string;
  onProgress?: Progress;
}

/** One run: fold the journal files not yet consumed into a new committed version. */
export async function runSnapshot(options: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const { config, engine } = options;
  return asWriter(await openLake(config), async (session) => {
    const { layout, commits, current } = session;
    const policies = await policiesRecord(config);
    checkPoliciesCompatible(current, policies);
    checkSchemaUnchanged(current, config.schema);

    const warnings: string[] = [];
    const { files, ignored } = await listJournalFiles(layout.journal, layout.storage);
    if (ignored.length) warnings.push(`ignored ${ignored.length} path(s) in the journal that are not day folders or journal files: ${ignored.slice(0, 5).join(', ')}`);
    const consumed = consumedFiles(commits);
    const fresh = files.filter((f) => !consumed.has(f.path) && (!options.until || f.date <= options.until));
    warnings.push(...(await changedAfterFolding(layout.storage, files, consumed, commits)));
    const catalog = await requireCatalog(layout);
    const catalogChanged = current !== undefined && !sameFingerprints(current.catalog, catalog);
    if (fresh.length === 0 && current && !catalogChanged) {
      return uncommittedReport(layout, current, engine.name, started,
        `nothing new: no unconsumed journal files and an unchanged catalog; version ${current.version} stays current`, { warnings });
    }
    return foldAndCommit(session, engine, config, {
      base: current, files: fresh, operation: 'run', policies, catalog, catalogChanged, warnings, started,
    }, options.onProgress);
  });
}

/**
 * Journal files whose content differs from what was folded. Size is compared always; the checksum
 * only for files modified after the commit that folded them, to keep a no-op run cheap.
 */
async function changedAfterFolding(
  storage: LakeStorage, files: JournalFile[], consumed: Map<string, ConsumedFile>, commits: Commit[],
): Promise<string[]> {
  const foldedAt = new Map<string, number>();
  for (const commit of commits) for (const f of commit.consumed) foldedAt.set(f.path, Date.parse(commit.committedAt));
  const warnings: string[] = [];
  for (const file of files) {
    const before = consumed.get(file.path);
    if (!before) continue;
    const changed = before.size !== file.size ||
      (file.mtimeMs > (foldedAt.get(file.path) ?? 0) && (await storage.checksum(file.absPath)) !== before.checksum);
    if (changed) {
      warnings.push(
        `journal file ${file.path} changed after it was folded (${before.size} bytes, checksum ${before.checksum.slice(0, 19)}…); ` +
          `run does not fold it again: \`subsnap backfill --from ${file.date}\` does`,
      );
    }
  }
  return warnings;
}

/** Policies that shape stored columns cannot change under an existing lake without a migration. */
function checkPoliciesCompatible(current: Commit | undefined, policies: Record<string, string>): void {
  if (!current) return;
  const before = current.policies;
  if (before.pii !== policies.pii) {
    throw new RunError(
      `the lake was built with pii policy '${before.pii}', this run asks for '${policies.pii}': ` +
        `the stored columns would change; run \`subsnap migrate\` to apply the new policy, or keep '${before.pii}'`,
    );
  }
  if (before.piiKeyId !== policies.piiKeyId) {
    throw new RunError('the PII hashing key differs from the one this lake was built with: hashed values would not match; use the original key');
  }
}
