import { promises as fs } from 'node:fs';
import path from 'node:path';

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
export async function requireLakeRoot(root: string, fix = 'create it with `subsnap generate` or check --lake'): Promise<string> {
  const abs = path.resolve(root);
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
  return abs;
}
