import { existsSync } from 'node:fs';
import path from 'node:path';
import { readCommits, type Commit } from '../lake/commit-log.js';
import { lakeLayout } from '../lake/layout.js';

export class VersionError extends Error {}

export interface ResolvedVersion {
  commit: Commit;
  /** The version this one was built from (its parent), if any. */
  previous?: Commit;
  commits: Commit[];
  /** Absolute directory of the version's Parquet files. */
  snapshotDir: string;
  lakeRoot: string;
}

export interface VersionSelector {
  version?: number;
  /** An ISO date or timestamp: the last version committed at or before it (a date means its end, UTC). */
  asOf?: string;
}

function asOfInstant(asOf: string): number {
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? Date.parse(`${asOf}T23:59:59.999Z`) : Date.parse(asOf);
  if (Number.isNaN(instant)) throw new VersionError(`--as-of: got ${asOf}, expected a date YYYY-MM-DD or an ISO timestamp`);
  return instant;
}

/** A committed version (the current one by default), with its parent, from the commit log. */
export async function resolveVersion(lake: string, selector: VersionSelector = {}): Promise<ResolvedVersion> {
  const layout = lakeLayout(lake);
  const commits = await readCommits(layout);
  if (commits.length === 0) throw new VersionError(`no committed snapshot in ${layout.root} yet: run \`subsnap run\` first`);
  let wanted = selector.version ?? commits.length;
  if (selector.asOf !== undefined) {
    const instant = asOfInstant(selector.asOf);
    const found = commits.filter((c) => Date.parse(c.committedAt) <= instant).at(-1);
    if (!found) throw new VersionError(`no version was committed by ${selector.asOf}: the first is from ${commits[0]!.committedAt}`);
    wanted = found.version;
  }
  const commit = commits[wanted - 1];
  if (!commit) throw new VersionError(`no version ${wanted}: versions are 1..${commits.length}`);
  const snapshotDir = path.join(layout.root, commit.snapshotPath);
  if (!existsSync(snapshotDir)) {
    throw new VersionError(`the files of version ${wanted} were removed by \`subsnap vacuum\`; its commit record remains in the log`);
  }
  return {
    commit,
    previous: commit.parent ? commits[commit.parent - 1] : undefined,
    commits,
    snapshotDir,
    lakeRoot: layout.root,
  };
}
