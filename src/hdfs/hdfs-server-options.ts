import os from 'node:os';
import path from 'node:path';

/** A single-node HDFS as `subsnap hdfs start` runs it. */
export interface HdfsServerOptions {
  stateDir: string;
  /** NameNode RPC port: the cluster's URI is hdfs://127.0.0.1:PORT. */
  port: number;
  /** NameNode HTTP port, serving WebHDFS. */
  httpPort: number;
  /** Heap of each daemon, e.g. 256m. */
  memory: string;
}

/** Hadoop's own default ports (NameNode RPC 8020, HTTP 9870); a small heap per daemon. */
export const DEFAULT_HDFS: Omit<HdfsServerOptions, 'stateDir'> = { port: 8020, httpPort: 9870, memory: '256m' };

export function defaultHdfsStateDir(): string {
  return process.env.SUBSNAP_HDFS_STATE ?? path.join(os.homedir(), '.local', 'state', 'subsnap', 'hdfs');
}
