/**
 * The few file operations a lease lock needs, so that the lock's logic (src/lake/writer-lock.ts)
 * does not depend on the local file system: another store qualifies if it offers a put-if-absent
 * create whose content is never seen partial, and a settable modification time.
 */
import { promises as fs } from 'node:fs';
import { createDurableExclusive } from './durable-fs.js';

export interface StoredFile {
  text: string;
  /** Modification time, ms since the epoch: a lease is renewed by setting it. */
  mtimeMs: number;
}

export interface LockStorage {
  ensureDir(dir: string): Promise<void>;
  /**
   * Creates `file` holding all of `text` unless it exists (false then): put-if-absent, and a reader
   * never sees the file empty or partial. `beforePublish` runs when the content is durable but not
   * yet visible under `file`.
   */
  createIfAbsent(file: string, text: string, beforePublish?: () => void): Promise<boolean>;
  /** The content and modification time of one and the same file; undefined if there is none. */
  read(file: string): Promise<StoredFile | undefined>;
  /** Sets the modification time; false if the file is gone. */
  touch(file: string, at: Date): Promise<boolean>;
  /** Removes `file`; no error if it is already gone. */
  remove(file: string): Promise<void>;
  /** The names in `dir` (none if it does not exist). */
  list(dir: string): Promise<string[]>;
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** The local (or NFS) file system: temp file, fsync, link (EEXIST if taken), fsync of the folder. */
export const localLockStorage: LockStorage = {
  ensureDir: async (dir) => {
    await fs.mkdir(dir, { recursive: true });
  },
  createIfAbsent: async (file, text, beforePublish) => {
    try {
      await createDurableExclusive(file, text, beforePublish);
      return true;
    } catch (error) {
      if (errno(error) === 'EEXIST') return false;
      throw error;
    }
  },
  read: async (file) => {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined;
      throw error;
    }
    // Text and time through one handle: the name may point to another file a moment later.
    try {
      const [text, stat] = [await handle.readFile('utf8'), await handle.stat()];
      return { text, mtimeMs: stat.mtimeMs };
    } finally {
      await handle.close();
    }
  },
  touch: async (file, at) => {
    try {
      await fs.utimes(file, at, at);
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw error;
    }
  },
  remove: async (file) => {
    await fs.rm(file, { force: true });
  },
  list: async (dir) => {
    try {
      return await fs.readdir(dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return [];
      throw error;
    }
  },
};
