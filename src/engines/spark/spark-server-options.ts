import os from 'node:os';
import path from 'node:path';

/** A local Spark Connect server as `subsnap spark start` runs it. */
export interface SparkServerOptions {
  port: number;
  /** Driver (and so executor, in local mode) memory, e.g. 4g. */
  memory: string;
  cores: number;
  /** When set, clients must send it as a bearer token. */
  token?: string;
  stateDir: string;
}

export function defaultStateDir(): string {
  return process.env.SUBSNAP_SPARK_STATE ?? path.join(os.homedir(), '.local', 'state', 'subsnap', 'spark');
}

export const DEFAULT_SERVER: Omit<SparkServerOptions, 'stateDir'> = { port: 15002, memory: '4g', cores: 2 };
