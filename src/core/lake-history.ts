import path from 'node:path';
import { readCommits, type Commit } from '../lake/commit-log.js';
import { lakeLayout } from '../lake/layout.js';

export class VersionError extends Error {}

export interface ResolvedVersion {
  commit: Commit;
  previous?: Commit;
  commits: Commit[];
  /** Absolute directory of the version's Parquet files. */
  snapshotDir: string;
  lakeRoot: string;
}

/** A committed version (the current one by default), with its parent, from the commit log. */
export async function resolveVersion(lake: string, version?: number): Promise<ResolvedVersion> {
  const layout = lakeLayout(lake);
  const commits = await readCommits(layout);
  if (commits.length === 0) throw new VersionError(`no committed snapshot in ${layout.root} yet: run \`subsnap run\` first`);
  const wanted = version ?? commits.length;
  const commit = commits[wanted - 1];
  if (!commit) throw new VersionError(`no version ${wanted}: versions are 1..${commits.length}`);
  return {
    commit,
    previous: commit.parent ? commits[commit.parent - 1] : undefined,
    commits,
    snapshotDir: path.join(layout.root, commit.snapshotPath),
    lakeRoot: layout.root,
  };
}
