import path from 'node:path';
import type { Engine, Row } from '../engines/engine.js';
import { readCommits, type Commit } from '../lake/commit-log.js';
import type { LakeLayout } from '../lake/layout.js';
import { parquetTable } from './parquet-source.js';

export class VersionError extends Error {}

export interface ResolvedVersion {
  commit: Commit;
  /** The version this one was built from (its parent), if any. */
  previous?: Commit;
  commits: Commit[];
  /** Absolute directory of the version's Parquet files. */
  snapshotDir: string;
  /** The version's Parquet files as its commit names them, relative to `snapshotDir` (read these, not a listing). */
  snapshotFiles: string[];
  layout: LakeLayout;
  /** Why the version cannot be read: a file its commit names is missing (only when the caller allows it). */
  incomplete?: string;
}

export interface VersionSelector {
  version?: number;
  /** An ISO date or timestamp: the last version committed at or before it (a date means its end, UTC). */
  asOf?: string;
}

/** Whether a version's Parquet files can be read, and if not, why. */
export type VersionFiles =
  | { state: 'present' }
  /** Its folder is gone: vacuum removed it (commit records stay). */
  | { state: 'removed'; reason: string }
  /** Its folder is there but a file its commit names is not: the lake was damaged. */
  | { state: 'incomplete'; reason: string };

/** Checks the files a version's commit names, without reading them. */
export async function versionFiles(layout: LakeLayout, commit: Commit): Promise<VersionFiles> {
  const dir = path.join(layout.root, commit.snapshotPath);
  if (!(await layout.storage.stat(dir))) return { state: 'removed', reason: `version ${commit.version}'s files were removed by vacuum` };
  const listed = new Set((await layout.storage.listStatus(dir)).filter((f) => f.type === 'file').map((f) => f.name));
  const missing = (commit.snapshotFiles ?? []).filter((f) => !listed.has(f));
  if (missing.length === 0) return { state: 'present' };
  return {
    state: 'incomplete',
    reason: `version ${commit.version}'s folder ${commit.snapshotPath} lacks ${missing.slice(0, 3).join(', ')}` +
      `${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} (named by its commit record)`,
  };
}

/** Whether the quarantine folder a commit names is there (vacuum removes it once its journal days are past the TTL). */
export async function quarantinePresent(layout: LakeLayout, commit: Commit): Promise<boolean> {
  return commit.quarantinePath !== null && (await layout.storage.stat(path.join(layout.root, commit.quarantinePath))) !== undefined;
}

function asOfInstant(asOf: string): number {
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? Date.parse(`${asOf}T23:59:59.999Z`) : Date.parse(asOf);
  if (Number.isNaN(instant)) throw new VersionError(`--as-of: got ${asOf}, expected a date YYYY-MM-DD or an ISO timestamp`);
  return instant;
}

/**
 * The version history for `subsnap log`: every commit, and which versions' files were removed.
 * Unlike resolveVersion it reads no version, so it works whatever vacuum removed.
 */
export async function readHistory(layout: LakeLayout): Promise<{ commits: Commit[]; files: Map<number, VersionFiles> }> {
  const commits = await committedVersions(layout);
  const files = new Map<number, VersionFiles>();
  for (const c of commits) files.set(c.version, await versionFiles(layout, c));
  return { commits, files };
}

/** How messages name a lake: its local path, or its hdfs:// URI. */
export const lakeName = (layout: LakeLayout) => layout.storage.engineLocation(layout.root);

/** Every commit, oldest first; a lake without any is an error that says what to do. */
export async function committedVersions(layout: LakeLayout): Promise<Commit[]> {
  const commits = await readCommits(layout);
  if (commits.length === 0) throw new VersionError(`no committed snapshot in ${lakeName(layout)} yet: run \`subsnap run\` first`);
  return commits;
}

/**
 * A committed version (the current one by default), with its parent, from the commit log (`commits`:
 * the log, when the caller has read it already). A version missing a file its commit names cannot be
 * read: an error, unless the caller allows it (validate, which then fails its schema check).
 */
export async function resolveVersion(
  layout: LakeLayout, selector: VersionSelector = {}, commits?: Commit[], options: { allowIncomplete?: boolean } = {},
): Promise<ResolvedVersion> {
  commits ??= await committedVersions(layout);
  let wanted = selector.version ?? commits.length;
  if (selector.asOf !== undefined) {
    const instant = asOfInstant(selector.asOf);
    const found = commits.filter((c) => Date.parse(c.committedAt) <= instant).at(-1);
    if (!found) throw new VersionError(`no version was committed by ${selector.asOf}: the first is from ${commits[0]!.committedAt}`);
    wanted = found.version;
  }
  const commit = commits[wanted - 1];
  if (!commit) throw new VersionError(`no version ${wanted}: versions are 1..${commits.length}`);
  const files = await versionFiles(layout, commit);
  if (files.state === 'removed') {
    const kept: number[] = [];
    for (const c of commits) if ((await versionFiles(layout, c)).state === 'present') kept.push(c.version);
    throw new VersionError(
      `the files of version ${wanted} were removed by \`subsnap vacuum\`; its commit record remains in the log ` +
        `(versions with files: ${kept.length ? compactList(kept) : 'none'})`,
    );
  }
  if (files.state === 'incomplete' && !options.allowIncomplete) {
    throw new VersionError(
      `${files.reason}: the version cannot be read; \`subsnap rollback N\` to an intact version, or \`subsnap backfill\`, commits a readable one`,
    );
  }
  return {
    commit,
    previous: commit.parent ? commits[commit.parent - 1] : undefined,
    commits,
    snapshotDir: path.join(layout.root, commit.snapshotPath),
    snapshotFiles: [...(commit.snapshotFiles ?? [])],
    layout,
    ...(files.state === 'incomplete' ? { incomplete: files.reason } : {}),
  };
}

/**
 * Rows of a resolved version for `subsnap show`, in key order: the files its commit names, read
 * through the engine; a damaged file is an error naming the version and the folder, not the engine's.
 */
export async function versionRows(
  engine: Engine, target: ResolvedVersion, options: { /** The configured key, for commits that record no schema. */ key: string; id?: string; limit: number },
): Promise<Row[]> {
  const int64 = (text: string) => /^-?\d{1,19}$/.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n;
  if (options.id !== undefined && !int64(options.id)) throw new VersionError(`--id: got ${options.id}, expected a 64-bit integer`);
  const d = engine.dialect;
  const { commit } = target;
  const key = d.identifier((commit.schema as { key?: string } | undefined)?.key ?? options.key);
  try {
    const table = await parquetTable(engine, target.layout.storage, target.snapshotDir, target.snapshotFiles.length ? target.snapshotFiles : undefined);
    const where = options.id !== undefined ? `WHERE ${key} = CAST(${d.literal(options.id)} AS BIGINT)` : '';
    return await engine.query(`SELECT * FROM ${table} ${where} ORDER BY ${key} LIMIT ${Math.max(0, Math.floor(options.limit))}`);
  } catch (error) {
    throw new VersionError(
      `cannot read the Parquet files of version ${commit.version} in ${commit.snapshotPath}: ${(error as Error).message.split('\n')[0]}; ` +
        '`subsnap validate --version ' + String(commit.version) + '` checks them',
    );
  }
}

/** `1-3, 5, 7-9`: runs of consecutive versions. */
function compactList(versions: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < versions.length; ) {
    let j = i;
    while (j + 1 < versions.length && versions[j + 1] === versions[j]! + 1) j++;
    runs.push(i === j ? String(versions[i]) : `${versions[i]}-${versions[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}
