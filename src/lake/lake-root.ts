import { promises as fs } from 'node:fs';
import type { LakeLayout } from './layout.js';

/** The lake folder a command was pointed at is missing or not a folder. */
export class LakeRootError extends Error {}

/**
 * Checks that the lake folder exists before a command reads or writes inside it. Without this
 * check a mistyped path would quietly become a new, empty lake: commands that create folders on
 * their way (staging, trash, the archive's state) would create it, and readers would report "no
 * snapshot yet" instead of the typo. Only `subsnap generate` creates a lake.
 *
 * `fix` is the advice that ends the message (the caller knows where the path came from).
 */
export async function requireLakeRoot(layout: LakeLayout, fix = 'create it with `subsnap generate` or check --lake'): Promise<void> {
  if (layout.storage.scheme !== 'file') return requireStoredRoot(layout, fix);
  const abs = layout.root;
  let stats;
  try {
    stats = await fs.stat(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LakeRootError(`no lake at ${abs}: the folder does not exist; ${fix}`);
    if (code === 'ENOTDIR') throw new LakeRootError(`no lake at ${abs}: a part of the path is a file, not a folder; ${fix}`);
    if (code === 'EACCES') throw new LakeRootError(`cannot open the lake at ${abs}: permission denied`);
    throw new LakeRootError(`cannot open the lake at ${abs}: ${(error as Error).message}`);
  }
  if (!stats.isDirectory()) throw new LakeRootError(`no lake at ${abs}: it is a file, not a folder; ${fix}`);
}

/** The same on a cluster's file system (where the root is no symbolic link to follow). */
async function requireStoredRoot(layout: LakeLayout, fix: string): Promise<void> {
  const where = layout.storage.engineLocation(layout.root);
  let status;
  try {
    status = await layout.storage.stat(layout.root);
  } catch (error) {
    throw new LakeRootError(`cannot open the lake at ${where}: ${(error as Error).message}`);
  }
  if (!status) throw new LakeRootError(`no lake at ${where}: the folder does not exist; ${fix}`);
  if (status.type !== 'directory') throw new LakeRootError(`no lake at ${where}: it is a ${status.type}, not a folder; ${fix}`);
}
