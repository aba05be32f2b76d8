/**
 * What `--lake` names: a local folder (a path, or a file:// URI) or a folder of an HDFS cluster
 * (hdfs://HOST:PORT/path), and the storage that reaches it (storage/).
 *
 * An HDFS lake is reached over WebHDFS; its address is, in this order: `--webhdfs` (or the `webhdfs`
 * config key), the environment's SUBSNAP_WEBHDFS, the cluster record of `subsnap hdfs start` when the
 * URI is that cluster's (state folder: SUBSNAP_HDFS_STATE or the default), else the NameNode host
 * on Hadoop's default HTTP port, 9870.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readClusterRecord } from '../hdfs/cluster-record.js';
import { defaultHdfsStateDir } from '../hdfs/hdfs-server-options.js';
import { lakeLayout, type LakeLayout } from './layout.js';
import type { LakeStorage } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';
import { webHdfsStorage } from './storage/webhdfs-storage.js';

export class LakeLocationError extends Error {}

export interface LakeLocation {
  storage: LakeStorage;
  /** The lake folder: an absolute path inside the storage's file system. */
  root: string;
  /** How messages name the lake: the local path, or the hdfs:// URI. */
  display: string;
  /** An HDFS lake's WebHDFS address. */
  webhdfs?: string;
}

const DEFAULT_WEBHDFS_PORT = 9870;

/** The hdfs:// URI's file system (hdfs://host:port) and folder, checked; the path is taken as written. */
export function parseHdfsUri(uri: string): { fsUri: string; host: string; root: string } {
  const form = 'an HDFS lake is hdfs://HOST:PORT/path';
  const parts = /^hdfs:\/\/([^/?#@]*)(\/[^?#]*)?$/i.exec(uri);
  if (!parts) throw new LakeLocationError(`--lake ${uri}: ${form} (no user, query or fragment)`);
  const authority = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(parts[1]!);
  if (!authority) throw new LakeLocationError(`--lake ${uri}: ${form} (name the NameNode's host and RPC port)`);
  // Hadoop reads a path's characters as written: percent-escapes would not be decoded.
  const root = (parts[2] ?? '').replace(/\/+$/, '');
  if (root === '') throw new LakeLocationError(`--lake ${uri}: ${form} (a folder below the root)`);
  if (root.includes('%') || root.includes('//') || root.split('/').some((s) => s === '.' || s === '..')) {
    throw new LakeLocationError(`--lake ${uri}: ${form}, without %-escapes, empty, . or .. segments`);
  }
  const host = authority[1]!.replace(/^\[|\]$/g, '');
  return { fsUri: `hdfs://${authority[1]}:${authority[2]}`, host, root };
}

async function webHdfsAddress(fsUri: string, host: string, given: string | undefined): Promise<string> {
  const explicit = given ?? process.env.SUBSNAP_WEBHDFS;
  if (explicit) {
    if (!/^https?:\/\/[^/]+\/?$/.test(explicit)) throw new LakeLocationError(`--webhdfs ${explicit}: expected http://HOST:PORT`);
    return explicit.replace(/\/$/, '');
  }
  // Only a cluster on this machine can be the one `subsnap hdfs start` recorded.
  if (host !== '127.0.0.1') return defaultWebHdfs(host);
  let local;
  try {
    local = await readClusterRecord(defaultHdfsStateDir());
  } catch (error) {
    // A damaged record would otherwise send the lake to port 9870 without a word.
    throw new LakeLocationError(`the WebHDFS address of ${fsUri} is not given (--webhdfs) and the local cluster's record cannot be read: ${(error as Error).message}`);
  }
  return local?.uri === fsUri ? local.webhdfs : defaultWebHdfs(host);
}

const defaultWebHdfs = (host: string) => `http://${host.includes(':') ? `[${host}]` : host}:${DEFAULT_WEBHDFS_PORT}`;

export async function resolveLake(lake: string, options: { webhdfs?: string } = {}): Promise<LakeLocation> {
  if (/^hdfs:/i.test(lake)) {
    const { fsUri, host, root } = parseHdfsUri(lake);
    const webhdfs = await webHdfsAddress(fsUri, host, options.webhdfs);
    return { storage: webHdfsStorage({ fsUri, webhdfs }), root, display: `${fsUri}${root}`, webhdfs };
  }
  if (/^file:/i.test(lake)) {
    const root = fileURLToPath(lake);
    return { storage: localStorage, root, display: root };
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(lake)) {
    throw new LakeLocationError(`--lake ${lake}: a lake is a local folder or hdfs://HOST:PORT/path`);
  }
  const root = path.resolve(lake);
  return { storage: localStorage, root, display: root };
}

/** The layout of the lake a configuration names (`lake`, and `webhdfs` for an HDFS lake). */
export async function openLake(config: { lake: string; webhdfs?: string }): Promise<LakeLayout> {
  const location = await resolveLake(config.lake, { webhdfs: config.webhdfs });
  return lakeLayout(location.root, location.storage);
}
