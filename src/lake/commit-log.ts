import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createDurableExclusive } from './durable-fs.js';
import { commitPath, type LakeLayout } from './layout.js';

/** A journal file as folded by a commit: what makes a rerun a no-op and a changed file detectable. */
export interface ConsumedFile {
  path: string;
  date: string;
  size: number;
  sha256: string;
}

export interface FileFingerprint {
  path: string;
  size: number;
  sha256: string;
}

export interface ColumnSpec {
  name: string;
  type: string;
}

/** The commit record, written last; see docs/PROTOCOL.md for every field. */
export interface Commit {
  protocol: 1;
  version: number;
  parent: number | null;
  operation: string;
  committedAt: string;
  engine: string;
  /** Relative to the lake root, posix separators. */
  snapshotPath: string;
  snapshotFiles: string[];
  quarantinePath: string | null;
  consumed: ConsumedFile[];
  catalog: FileFingerprint[];
  policies: Record<string, string>;
  /** The record schema the version was built with (configuration, see the README). */
  schema?: unknown;
  columns: ColumnSpec[];
  counts: Record<string, number>;
}

export class CommitLogError extends Error {}

/** All commits, oldest first; the log must be the contiguous versions 1..N. */
export async function readCommits(layout: LakeLayout): Promise<Commit[]> {
  let names: string[];
  try {
    names = await fs.readdir(layout.log);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const versions = names.filter((n) => /^\d{8}\.json$/.test(n)).sort();
  const commits: Commit[] = [];
  for (const [index, name] of versions.entries()) {
    const file = path.join(layout.log, name);
    let commit: Commit;
    try {
      commit = JSON.parse(await fs.readFile(file, 'utf8')) as Commit;
    } catch (error) {
      throw new CommitLogError(`commit record ${file} is unreadable (${(error as Error).message}); the log is damaged`);
    }
    if (commit.version !== index + 1) {
      throw new CommitLogError(`commit log has a gap: expected version ${index + 1}, found ${name}`);
    }
    commits.push(commit);
  }
  return commits;
}

export class ConcurrentCommitError extends CommitLogError {}

/** Publish a commit; fails if that version exists (another writer won), never overwrites. */
export async function writeCommit(layout: LakeLayout, commit: Commit): Promise<void> {
  await fs.mkdir(layout.log, { recursive: true });
  try {
    await createDurableExclusive(commitPath(layout, commit.version), `${JSON.stringify(commit, null, 1)}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConcurrentCommitError(`version ${commit.version} was committed by another writer; nothing was committed`);
    }
    throw error;
  }
}

/** Every journal file folded into the chain ending at `commits`' last version, by path. */
export function consumedFiles(commits: Commit[]): Map<string, ConsumedFile> {
  const consumed = new Map<string, ConsumedFile>();
  for (const commit of commits) for (const file of commit.consumed) consumed.set(file.path, file);
  return consumed;
}
