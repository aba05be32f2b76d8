/**
 * The storage seam of the lake: every file operation subsnap does on a lake, over one small
 * interface with one implementation per file system (local-storage.ts, webhdfs-storage.ts).
 *
 * Paths are absolute POSIX paths inside the file system (`/data/lake/snapshot/_log/00000001.json`);
 * `engineLocation` turns one into what an engine reads (the same path locally, `hdfs://host:port/…`
 * on HDFS). The protocol needs three guarantees from a store, and nothing else:
 *   1. put-if-absent: `createIfAbsent` creates a file holding all of its data, or reports that the
 *      name is taken; of two concurrent creators exactly one wins, and no reader ever sees the file
 *      empty or partial (commit records, locks);
 *   2. a rename that does not replace (`rename`), for publishing a folder of data files under its
 *      final name;
 *   3. a settable modification time (`touch`), by which a lock's lease is renewed.
 * An object store with conditional writes would be a third implementation: `createIfAbsent` as a PUT
 * with `If-None-Match: *` (S3, GCS, Azure all offer it), `rename` of a folder as copy + delete of its
 * objects before the commit record names them (nothing reads a version before its record exists), and
 * the lease renewed by rewriting the lock with `If-Match` on its ETag instead of `touch`.
 */

export interface FileStatus {
  name: string;
  /** A symbolic link is not followed; `other`: a device, socket or pipe. */
  type: 'file' | 'directory' | 'symlink' | 'other';
  /** Bytes (0 for a folder). */
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

export interface StoredText {
  text: string;
  /** Modification time, ms since the epoch: a lease is renewed by setting it. */
  mtimeMs: number;
}

export class StorageError extends Error {
  constructor(message: string, readonly code: 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EIO') {
    super(message);
  }
}

export interface LakeStorage {
  /** `file` or `hdfs`: what the lake lives on. */
  readonly scheme: 'file' | 'hdfs';
  /** The location of `p` as an engine reads it. */
  engineLocation(p: string): string;
  /** Creates `dir` and its parents; no error if it exists. */
  ensureDir(dir: string): Promise<void>;
  /** The names in `dir` (none if it does not exist). */
  list(dir: string): Promise<string[]>;
  /** The entries of `dir` with their sizes and times (none if it does not exist). */
  listStatus(dir: string): Promise<FileStatus[]>;
  /** One entry's status (a symbolic link is not followed); undefined if there is none. */
  stat(p: string): Promise<FileStatus | undefined>;
  /** The content and modification time of one and the same file; undefined if there is none. */
  read(file: string): Promise<StoredText | undefined>;
  /** A file's bytes as a stream (ENOENT if there is none). */
  readStream(file: string): AsyncIterable<Uint8Array>;
  /**
   * Creates `file` holding all of `data` unless it exists (false then): put-if-absent, and a reader
   * never sees the file empty or partial. `beforePublish` runs when the content is durable but not
   * yet visible under `file`.
   */
  createIfAbsent(file: string, data: string | Uint8Array, beforePublish?: () => void): Promise<boolean>;
  /**
   * Writes a new file (an error if it exists) from a stream, for scratch files of a run: not
   * atomic, a reader may see it partial while it is written.
   */
  writeStream(file: string, source: AsyncIterable<Uint8Array>): Promise<void>;
  /** Writes or replaces `file` atomically: a reader sees the old content or all of the new. */
  replace(file: string, data: string | Uint8Array): Promise<void>;
  /** Gives `from` (a file or a folder) the name `to`, which must not exist (EEXIST). */
  rename(from: string, to: string): Promise<void>;
  /** Sets the modification time; false if the file is gone. */
  touch(file: string, at: Date): Promise<boolean>;
  /**
   * Makes every file below `dir` and the folders' entries durable before a commit names them (an
   * fsync of each on a local disk; on HDFS a closed file is on its DataNodes already).
   */
  syncTree(dir: string): Promise<void>;
  /** Makes a rename or a creation inside `dir` durable (an fsync of the folder on a local disk). */
  syncFolder(dir: string): Promise<void>;
  /** Removes a file or an empty folder; no error if it is already gone. */
  remove(p: string): Promise<void>;
  /** Removes a folder and everything in it; no error if it is already gone. */
  removeTree(dir: string): Promise<void>;
  /**
   * A checksum of the file's content, prefixed by its algorithm (`sha256:…` locally; on HDFS the
   * file system's own, `hdfs-…:…`, computed by the DataNodes without moving the data).
   */
  checksum(file: string): Promise<string>;
}
