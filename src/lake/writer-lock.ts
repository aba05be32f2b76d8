import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsyncDir } from './durable-fs.js';

export class LakeLockedError extends Error {
  constructor(readonly lockPath: string, readonly holder: LockHolder) {
    super(
      `another subsnap run holds the lake (pid ${holder.pid} on ${holder.host}, since ${holder.since}); ` +
        `wait for it to finish, or remove ${lockPath} if you are sure it is gone`,
    );
  }
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  token: string;
}

export interface WriterLock {
  release(): Promise<void>;
}

/** A lock held by a process of this host that no longer exists is stale; one from another host never is. */
function isStale(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await fs.readFile(lockPath, 'utf8')) as LockHolder;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A lock file cut short by a crash during its own write is as stale as a dead pid.
    return { pid: -1, host: os.hostname(), since: 'unknown', token: 'unreadable' };
  }
}

/** One writer per lake: an exclusive-create lock file naming its holder. */
export async function acquireWriterLock(lockPath: string): Promise<WriterLock> {
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    since: new Date().toISOString(),
    token: `${process.pid}-${Math.random().toString(36).slice(2)}`,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lockPath, JSON.stringify(me), { flag: 'wx' });
      await fsyncDir(path.dirname(lockPath));
      return { release: () => releaseIfMine(lockPath, me.token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(lockPath);
    if (!holder) continue;
    if (!isStale(holder) || holder.pid === process.pid) throw new LakeLockedError(lockPath, holder);
    // Move the stale lock aside under a unique name: of two racing recoverers only one rename succeeds.
    const aside = `${lockPath}.stale-${me.token}`;
    try {
      await fs.rename(lockPath, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue;
    }
    const moved = await readHolder(aside);
    if (moved?.token !== holder.token) {
      // A racing recoverer re-took the lock between our read and our rename: give it back.
      await fs.link(aside, lockPath).catch(() => undefined);
      await fs.rm(aside, { force: true });
      throw new LakeLockedError(lockPath, moved ?? holder);
    }
    await fs.rm(aside, { force: true });
  }
  const holder = await readHolder(lockPath);
  throw new LakeLockedError(lockPath, holder ?? { pid: -1, host: 'unknown', since: 'unknown', token: '' });
}

async function releaseIfMine(lockPath: string, token: string): Promise<void> {
  const holder = await readHolder(lockPath);
  if (holder?.token === token) await fs.rm(lockPath, { force: true });
}
