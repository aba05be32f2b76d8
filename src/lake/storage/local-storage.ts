/**
 * The lake on the local (or an NFS-mounted) file system: put-if-absent by temp file, fsync and link
 * (EEXIST if taken), replacement by temp file, fsync and rename, each followed by an fsync of the
 * folder, so that what a commit names survives a power loss.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDurableExclusive, fsyncDir, fsyncTree, replaceDurable } from '../durable-fs.js';
import { StorageError, type FileStatus, type LakeStorage } from './lake-storage.js';

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;

async function statOf(p: string, name: string): Promise<FileStatus | undefined> {
  try {
    const s = await fs.lstat(p);
    const type = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'other';
    return { name, type, size: s.isFile() ? s.size : 0, mtimeMs: s.mtimeMs };
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export const localStorage: LakeStorage = {
  scheme: 'file',
  syncTree: fsyncTree,
  syncFolder: fsyncDir,
  engineLocation: (p) => p,
  ensureDir: async (dir) => {
    await fs.mkdir(dir, { recursive: true });
  },
  list: async (dir) => {
    try {
      return await fs.readdir(dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return [];
      if (errno(error) === 'ENOTDIR') throw new StorageError(`listing ${dir}: it is a file, not a folder`, 'ENOTDIR');
      throw error;
    }
  },
  async listStatus(dir) {
    const found: FileStatus[] = [];
    for (const name of await this.list(dir)) {
      const status = await statOf(`${dir}/${name}`, name);
      if (status) found.push(status);
    }
    return found;
  },
  stat: (p) => statOf(p, p.split('/').filter(Boolean).at(-1) ?? '/'),
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
  readStream: (file) => createReadStream(file, { highWaterMark: 1 << 20 }),
  writeStream: (file, source) => pipeline(source, createWriteStream(file, { flags: 'wx' })),
  createIfAbsent: async (file, data, beforePublish) => {
    try {
      await createDurableExclusive(file, data, beforePublish);
      return true;
    } catch (error) {
      if (errno(error) === 'EEXIST') return false;
      throw error;
    }
  },
  replace: (file, data) => replaceDurable(file, data),
  async rename(from, to) {
    // rename(2) replaces an existing file or empty folder: refused here first (one writer holds the lock).
    if (await statOf(to, to)) throw new StorageError(`${to} exists`, 'EEXIST');
    await fs.rename(from, to);
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
  remove: async (p) => {
    try {
      await fs.rm(p, { force: true });
    } catch (error) {
      // A folder: removed only when empty.
      if (errno(error) !== 'ERR_FS_EISDIR' && errno(error) !== 'EISDIR') throw error;
      await fs.rmdir(p);
    }
  },
  removeTree: async (dir) => {
    await fs.rm(dir, { recursive: true, force: true });
  },
  async checksum(file) {
    const hash = createHash('sha256');
    for await (const chunk of this.readStream(file)) hash.update(chunk);
    return `sha256:${hash.digest('hex')}`;
  },
};
