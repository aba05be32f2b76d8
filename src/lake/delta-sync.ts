/**
 * Writes the Delta entries the commit log calls for and the Delta log lacks (delta-log.ts), in
 * version order, each put-if-absent: under the writer lock after every commit, and at the start of
 * every writing command (which repairs an entry lost to a crash right after its commit, and gives
 * a lake committed before the Delta log its whole log).
 */
import path from 'node:path';
import type { Commit } from './commit-log.js';
import {
  deltaEntryActions, deltaEntryName, deltaEntryText, deltaLogDir, deltaPath, deltaSchemaProblem, deltaTableId, deltaVersion, type DeltaFile,
} from './delta-log.js';
import { CHECKPOINT_INTERVAL, checkpointName, emptyReplay, writeCheckpoint } from './delta-checkpoint.js';
import type { LakeLayout } from './layout.js';

/**
 * The files a commit names, with their sizes and times. A file that is gone (vacuum removed the
 * version before its Delta entry was written) gets size 0 and the commit's time: reading that
 * version fails at its files, as after a Delta VACUUM.
 */
async function versionFiles(layout: LakeLayout, commit: Commit): Promise<DeltaFile[]> {
  const dir = path.join(layout.root, commit.snapshotPath);
  const listed = new Map((await layout.storage.listStatus(dir)).filter((f) => f.type === 'file').map((f) => [f.name, f]));
  const relative = path.relative(layout.snapshot, dir).split(path.sep).join('/');
  return commit.snapshotFiles.map((name) => {
    const status = listed.get(name);
    return { path: deltaPath(`${relative}/${name}`), size: status?.size ?? 0, modificationTime: Math.trunc(status?.mtimeMs ?? Date.parse(commit.committedAt)) };
  });
}

/** Writes the missing Delta entries of `commits` (the whole log, oldest first); returns the Delta versions written. */
export async function syncDeltaLog(layout: LakeLayout, commits: Commit[]): Promise<number[]> {
  if (commits.length === 0) return [];
  const { storage } = layout;
  const dir = deltaLogDir(layout);
  const present = new Set(await storage.list(dir));
  const missing = commits.filter((c) => !present.has(deltaEntryName(deltaVersion(c.version))));
  const latest = deltaVersion(commits.at(-1)!.version);
  const checkpoint = latest - (latest % CHECKPOINT_INTERVAL);
  if (missing.length === 0 && (checkpoint === 0 || present.has(checkpointName(checkpoint)))) return [];
  await storage.ensureDir(dir);
  const tableId = deltaTableId(commits[0]!);
  const written: number[] = [];
  const listed = new Map<number, Promise<DeltaFile[]>>();
  const filesOf = (c: Commit) => listed.get(c.version) ?? listed.set(c.version, versionFiles(layout, c)).get(c.version)!;
  for (const commit of missing) {
    const previous = commits[commit.version - 2];
    // Writers refuse such columns before they commit (checkDeltaColumns); a version committed before
    // that check with one ends the Delta log rather than every writer's work.
    if (deltaSchemaProblem(commit.columns)) break;
    const actions = deltaEntryActions({
      commit,
      previous,
      files: await filesOf(commit),
      previousFiles: previous ? await filesOf(previous) : [],
      tableId,
      engineInfo: 'subsnap',
    });
    const version = deltaVersion(commit.version);
    // Another writer's entry for this version has the same content: taken is as good as written.
    if (await storage.createIfAbsent(path.join(dir, deltaEntryName(version)), deltaEntryText(actions))) written.push(version);
  }
  // The checkpoints of the versions written, and the latest one due (a crash may have cut it).
  const logged = (v: number) => written.includes(v) || present.has(deltaEntryName(v));
  const due = new Set([...written, checkpoint].filter((v) => v > 0 && v % CHECKPOINT_INTERVAL === 0 && logged(v)));
  const replay = emptyReplay();
  for (const version of [...due].sort((a, b) => a - b)) await writeCheckpoint(layout, version, replay);
  return written;
}
