import path from 'node:path';
import type { Config } from '../core/config.js';
import type { Engine } from '../engines/engine.js';
import { openDuckDb } from '../engines/duckdb/duckdb-engine.js';
import { openSpark } from '../engines/spark/spark-engine.js';
import { DEFAULT_SPARK_REMOTE } from '../engines/spark/spark-remote.js';

/** The only place that picks a concrete engine. */
export async function openEngine(config: Config): Promise<Engine> {
  switch (config.engine) {
    case 'duckdb':
      return openDuckDb({
        memoryLimit: config.memoryLimit,
        threads: config.threads,
        tempDirectory: path.join(config.lake, 'snapshot', '_staging', 'spill'),
      });
    case 'spark':
      return openSpark(config.sparkRemote ?? process.env.SPARK_REMOTE ?? DEFAULT_SPARK_REMOTE);
  }
}
