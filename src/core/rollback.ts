import { writeCommit } from '../lake/commit-log.js';
import { RunError } from './fold-and-commit.js';
import { versionFiles } from './lake-history.js';
import { lakeLocation, type LakeLayout } from '../lake/layout.js';
import { unchangedCounts, type RunReport } from './run-report.js';
import { asWriter } from './writer-session.js';

/**
 * Commits a new version whose contents are those of version `target`. The new commit names the
 * target's files (no copy); history is appended, never rewritten. Journal files folded after the
 * target stay consumed: `run` does not fold them again, `backfill` does.
 */
export async function rollbackTo(lake: LakeLayout, target: number): Promise<RunReport> {
  const started = Date.now();
  return asWriter(lake, async ({ layout, commits, current, assertLockHeld }) => {
    const to = commits[target - 1];
    if (!to || !current) throw new RunError(`no version ${target}: versions are 1..${commits.length}`);
    const files = await versionFiles(layout, to);
    if (files.state !== 'present') throw new RunError(`${files.reason}: version ${target} cannot be restored`);
    const version = current.version + 1;
    await assertLockHeld();
    await writeCommit(layout, {
      ...to,
      version,
      parent: to.version,
      operation: 'rollback',
      committedAt: new Date().toISOString(),
      quarantinePath: null,
      consumed: [],
      counts: unchangedCounts(to),
      durationMs: Date.now() - started,
    });
    return {
      engine: to.engine,
      previousVersion: current.version,
      journalFiles: [],
      catalogChanged: false,
      warnings: [],
      ...unchangedCounts(to),
      committed: true,
      version,
      snapshotPath: lakeLocation(layout, to.snapshotPath),
      quarantinePath: null,
      durationMs: Date.now() - started,
      message: `committed version ${version}: the contents of version ${target}`,
    };
  });
}
