import type { Commit, ConsumedFile } from '../lake/commit-log.js';

/**
 * The journal files whose records a version's content holds: the files its commit folded plus,
 * through `parent` links (not version order), those of the version it was built from. A rollback
 * or a backfill starts from an older parent, so this differs from "every file ever consumed".
 */
export function foldedFiles(commits: Commit[], version: number): Map<string, ConsumedFile> {
  const chain: Commit[] = [];
  for (let v: number | null = version; v; v = commits[v - 1]?.parent ?? null) {
    const commit = commits[v - 1];
    if (!commit) break;
    chain.push(commit);
  }
  const folded = new Map<string, ConsumedFile>();
  for (const commit of chain.reverse()) for (const file of commit.consumed) folded.set(file.path, file);
  return folded;
}
