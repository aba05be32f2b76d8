import os from 'node:os';
import path from 'node:path';

/** A local Spark Connect server as `subsnap spark start` runs it. */
export interface SparkServerOptions {
  port: number;
  /** Driver (and so executor, in local mode) memory, e.g. 4g. */
  memory: string;
  cores: number;
  /**
   * The Spark master; default `local[cores]` (one JVM). `local-cluster[W,C,M]` runs W executors of C
   * cores and M MiB each as separate JVMs on this machine, as a cluster would (nothing shared with the driver but the network).
   */
  master?: string;
  /** When set, clients must send it as a bearer token. */
  token?: string;
  /**
   * Delta Lake in the server's sessions (its jars from Maven Central, the Delta SQL extension and
   * catalog): `delta.\`lake/snapshot\`` and `spark.read.format("delta")` read the snapshot's table.
   */
  delta?: boolean;
  /**
   * The record probe's jar on the server's class path (default): sessions use it without uploading it.
   * Off, the server is like a cluster subsnap did not start: each session uploads the jar.
   */
  probeOnClassPath?: boolean;
  stateDir: string;
}

export function defaultStateDir(): string {
  return process.env.SUBSNAP_SPARK_STATE ?? path.join(os.homedir(), '.local', 'state', 'subsnap', 'spark');
}

/** 2 GB of heap: the fold streams the snapshot and holds only the day's records (see README, The Spark engine). */
export const DEFAULT_SERVER: Omit<SparkServerOptions, 'stateDir'> = { port: 15002, memory: '2g', cores: 2 };
