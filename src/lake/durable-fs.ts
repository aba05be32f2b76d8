import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** fsync a directory so that a rename or create inside it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeSynced(file: string, data: string | Uint8Array, flag: string): Promise<void> {
  const handle = await fs.open(file, flag);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A sibling temp name no other writer uses at the same time (pid and clock alone collide within a millisecond). */
export const tempSibling = (target: string) => `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
const TEMP_SIBLING = /^(.+)\.tmp-\d+-[0-9a-f]{12}$/;
/** The name a temp sibling (tempSibling) was made for, or undefined when `name` is not one. */
export const tempSiblingTarget = (name: string): string | undefined => TEMP_SIBLING.exec(name)?.[1];

/**
 * Write `target` so that it either does not exist or holds all of `data`, and never replace an
 * existing file: temp file, fsync, then link (which fails with EEXIST where rename would overwrite).
 * `beforeLink` runs once the temp file is durable, right before the link (a crash test kills there).
 */
export async function createDurableExclusive(
  target: string, data: string | Uint8Array, beforeLink: () => void = () => undefined,
): Promise<void> {
  const temp = tempSibling(target);
  await writeSynced(temp, data, 'wx');
  beforeLink();
  try {
    await fs.link(temp, target);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncDir(path.dirname(target));
}

/** Write or replace `target` atomically (temp file + fsync + rename). */
export async function replaceDurable(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempSibling(target);
  await writeSynced(temp, data, 'w');
  await fs.rename(temp, target);
  await fsyncDir(path.dirname(target));
}

/** fsync every file below `dir`, then the directories: the data files must be durable before a commit names them. */
export async function fsyncTree(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(full);
    else if (entry.isFile()) {
      const handle = await fs.open(full, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await fsyncDir(dir);
}
