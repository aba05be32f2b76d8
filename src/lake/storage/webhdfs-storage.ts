/**
 * The lake on HDFS, over WebHDFS (the REST API every HDFS cluster serves from its NameNode's HTTP
 * port; reads and writes are redirected to a DataNode). Engines read the lake as hdfs:// paths.
 *
 * The protocol's guarantees (lake-storage.ts), on HDFS:
 *   - put-if-absent, never partial: the data is written to a temp sibling, then renamed to its name
 *     with `renameoptions=NONE` (HDFS's rename2, atomic in the NameNode, which refuses an existing
 *     destination); a file being written is visible with part of its length, so nothing is created
 *     under its final name directly;
 *   - replacement: the same, with `renameoptions=OVERWRITE`;
 *   - the lease: SETTIMES sets the modification time.
 * Security: simple authentication only (`user.name`, from HADOOP_USER_NAME or the OS user);
 * Kerberos/SPNEGO is not supported.
 */
import http from 'node:http';
import os from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { z } from 'zod';
import { tempSibling } from '../durable-fs.js';
import { StorageError, type FileStatus, type LakeStorage } from './lake-storage.js';

export interface WebHdfsEndpoint {
  /** The file system's URI, as engines read it: hdfs://host:port. */
  fsUri: string;
  /** The NameNode's HTTP address: http://host:port. */
  webhdfs: string;
  /** The user WebHDFS acts as. */
  user?: string;
}

const RemoteException = z.object({
  RemoteException: z.object({ exception: z.string(), message: z.string().optional() }),
});
const HdfsFileStatus = z.object({
  pathSuffix: z.string(),
  type: z.enum(['FILE', 'DIRECTORY', 'SYMLINK']),
  length: z.number(),
  modificationTime: z.number(),
  fileId: z.number().optional(),
});
type HdfsFileStatus = z.infer<typeof HdfsFileStatus>;
const Listing = z.object({ FileStatuses: z.object({ FileStatus: z.array(HdfsFileStatus) }) });
const Status = z.object({ FileStatus: HdfsFileStatus });
const Redirect = z.object({ Location: z.string() });
const Checksum = z.object({ FileChecksum: z.object({ algorithm: z.string(), bytes: z.string() }) });
const BooleanAnswer = z.object({ boolean: z.boolean() });

const TYPES = { FILE: 'file', DIRECTORY: 'directory', SYMLINK: 'symlink' } as const;
const MISSING = new Set(['FileNotFoundException']);
const TAKEN = new Set(['FileAlreadyExistsException', 'AlreadyBeingCreatedException']);

/** Each segment of an absolute path, percent-encoded for the URL. */
function encodePath(p: string): string {
  if (!p.startsWith('/')) throw new Error(`an HDFS path must be absolute: ${p}`);
  return p.split('/').map(encodeURIComponent).join('/');
}

async function bytesOf(response: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const textOf = async (response: http.IncomingMessage) => (await bytesOf(response)).toString('utf8');

/** Attempts at reading a file's text and time consistently while it is being replaced or touched. */
const READ_ATTEMPTS = 20;

export function webHdfsStorage(endpoint: WebHdfsEndpoint): LakeStorage {
  const fsUri = endpoint.fsUri.replace(/\/+$/, '');
  const base = endpoint.webhdfs.replace(/\/+$/, '');
  const user = endpoint.user ?? process.env.HADOOP_USER_NAME ?? os.userInfo().username;

  const url = (p: string, op: string, params: Record<string, string | number | boolean> = {}) => {
    const query = new URLSearchParams({ op, 'user.name': user });
    for (const [k, v] of Object.entries(params)) query.set(k, String(v));
    return `${base}/webhdfs/v1${encodePath(p)}?${query}`;
  };

  /**
   * The answer to one request, or a StorageError naming the operation, the path and HDFS's own
   * exception. node:http, not fetch: a DataNode answers a write with an unasked-for `100 Continue`,
   * which fetch takes for a broken response.
   */
  async function call(
    method: string, target: string, what: string, body?: string | Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<http.IncomingMessage> {
    let response: http.IncomingMessage;
    try {
      response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const request = http.request(target, { method, headers: body === undefined ? {} : { 'content-type': 'application/octet-stream' } }, resolve);
        request.on('error', reject);
        if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) request.end(body);
        else pipeline(Readable.from(body), request).catch(reject);
      });
    } catch (error) {
      throw new StorageError(`${what}: WebHDFS at ${base} did not answer (${(error as Error).message})`, 'EIO');
    }
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const text = await textOf(response);
    let remote: z.infer<typeof RemoteException>['RemoteException'] | undefined;
    try {
      remote = RemoteException.parse(JSON.parse(text)).RemoteException;
    } catch {
      remote = undefined;
    }
    const detail = remote ? `${remote.exception}: ${(remote.message ?? '').split('\n')[0]}` : `HTTP ${status} ${text.slice(0, 200)}`;
    const code = remote && MISSING.has(remote.exception) ? 'ENOENT' : remote && TAKEN.has(remote.exception) ? 'EEXIST' : 'EIO';
    throw new StorageError(`${what}: ${detail}`, code);
  }

  const json = async <T>(schema: z.ZodType<T>, response: http.IncomingMessage, what: string): Promise<T> => {
    const text = await textOf(response);
    let parsed: ReturnType<typeof schema.safeParse>;
    try {
      parsed = schema.safeParse(JSON.parse(text));
    } catch {
      throw new StorageError(`${what}: WebHDFS answered no JSON (${text.slice(0, 200)})`, 'EIO');
    }
    if (!parsed.success) throw new StorageError(`${what}: unexpected WebHDFS answer (${parsed.error.issues[0]?.message})`, 'EIO');
    return parsed.data;
  };

  /** Where the NameNode sends a read or write of `p` (`noredirect`: it names the DataNode instead of redirecting). */
  const dataNodeUrl = async (method: string, p: string, op: string, params: Record<string, string | number | boolean>, what: string) =>
    (await json(Redirect, await call(method, url(p, op, { ...params, noredirect: true }), what), what)).Location;

  const toStatus = (s: HdfsFileStatus, name: string): FileStatus => ({
    name, type: TYPES[s.type], size: s.type === 'FILE' ? s.length : 0, mtimeMs: s.modificationTime,
  });

  async function rawStatus(p: string): Promise<HdfsFileStatus | undefined> {
    try {
      return (await json(Status, await call('GET', url(p, 'GETFILESTATUS'), `status of ${p}`), `status of ${p}`)).FileStatus;
    } catch (error) {
      if (error instanceof StorageError && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Writes `data` to a new file `p` (two steps: the NameNode names a DataNode, which takes the bytes). */
  async function create(p: string, data: string | Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const what = `writing ${p}`;
    await textOf(await call('PUT', await dataNodeUrl('PUT', p, 'CREATE', { overwrite: false }, what), what, data));
  }

  /** Renames `from` to `to`; `overwrite` replaces a file there, else an existing `to` is EEXIST. */
  async function renameTo(from: string, to: string, overwrite: boolean): Promise<void> {
    await textOf(await call('PUT', url(from, 'RENAME', { destination: to, renameoptions: overwrite ? 'OVERWRITE' : 'NONE' }), `renaming ${from} to ${to}`));
  }

  async function removeAt(p: string, recursive: boolean): Promise<void> {
    // {"boolean": false} when nothing was there; a non-empty folder without `recursive` is an error.
    await json(BooleanAnswer, await call('DELETE', url(p, 'DELETE', { recursive }), `removing ${p}`), `removing ${p}`);
  }

  const storage: LakeStorage = {
    scheme: 'hdfs',
    // Hadoop reads a path's characters as they are (no percent-decoding): the path goes in unchanged.
    engineLocation: (p) => `${fsUri}${p}`,
    async ensureDir(dir) {
      await textOf(await call('PUT', url(dir, 'MKDIRS'), `creating ${dir}`));
    },
    async list(dir) {
      return (await storage.listStatus(dir)).map((s) => s.name);
    },
    async listStatus(dir) {
      try {
        const entries = (await json(Listing, await call('GET', url(dir, 'LISTSTATUS'), `listing ${dir}`), `listing ${dir}`)).FileStatuses.FileStatus;
        // LISTSTATUS of a file answers the file itself, with an empty suffix; a folder's entries all have names.
        if (entries.length === 1 && entries[0]!.pathSuffix === '') throw new StorageError(`listing ${dir}: it is a file, not a folder`, 'ENOTDIR');
        return entries.map((s) => toStatus(s, s.pathSuffix));
      } catch (error) {
        if (error instanceof StorageError && error.code === 'ENOENT') return [];
        throw error;
      }
    },
    async stat(p) {
      const s = await rawStatus(p);
      return s && toStatus(s, path.posix.basename(p));
    },
    async read(file) {
      // Text and time of one and the same file: its id and length before and after the read must agree.
      for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        const before = await rawStatus(file);
        if (!before || before.type !== 'FILE') return undefined;
        let data: Buffer;
        try {
          data = await bytesOf(await call('GET', await dataNodeUrl('GET', file, 'OPEN', {}, `reading ${file}`), `reading ${file}`));
        } catch (error) {
          if (error instanceof StorageError && error.code === 'ENOENT') return undefined;
          throw error;
        }
        const after = await rawStatus(file);
        if (!after) return undefined;
        if (after.fileId === before.fileId && after.length === data.length) return { text: data.toString('utf8'), mtimeMs: after.modificationTime };
      }
      throw new StorageError(`reading ${file}: it kept changing while read (${READ_ATTEMPTS} attempts)`, 'EIO');
    },
    async *readStream(file) {
      const what = `reading ${file}`;
      yield* await call('GET', await dataNodeUrl('GET', file, 'OPEN', { buffersize: 1 << 20 }, what), what);
    },
    writeStream: (file, source) => create(file, source),
    async createIfAbsent(file, data, beforePublish) {
      const temp = tempSibling(file);
      await create(temp, data);
      try {
        beforePublish?.();
        await renameTo(temp, file, false);
        return true;
      } catch (error) {
        await removeAt(temp, false).catch(() => undefined);
        if (error instanceof StorageError && error.code === 'EEXIST') return false;
        throw error;
      }
    },
    async replace(file, data) {
      const temp = tempSibling(file);
      await create(temp, data);
      try {
        await renameTo(temp, file, true);
      } catch (error) {
        await removeAt(temp, false).catch(() => undefined);
        throw error;
      }
    },
    rename: (from, to) => renameTo(from, to, false),
    async touch(file, at) {
      try {
        await textOf(await call('PUT', url(file, 'SETTIMES', { modificationtime: at.getTime(), accesstime: -1 }), `touching ${file}`));
        return true;
      } catch (error) {
        if (error instanceof StorageError && error.code === 'ENOENT') return false;
        throw error;
      }
    },
    remove: (p) => removeAt(p, false),
    removeTree: (dir) => removeAt(dir, true),
    // A DataNode acknowledges a block once it is on disk; a closed file is complete.
    syncTree: async () => undefined,
    syncFolder: async () => undefined,
    async checksum(file) {
      const what = `checksum of ${file}`;
      const { FileChecksum } = await json(Checksum, await call('GET', await dataNodeUrl('GET', file, 'GETFILECHECKSUM', {}, what), what), what);
      return `hdfs-${FileChecksum.algorithm}:${FileChecksum.bytes}`;
    },
  };
  return storage;
}
