import path from 'node:path';
import type { Config } from '../core/config.js';
import { ENGINE_SHARE_OF_MEMORY_LIMIT, parseMemorySize } from '../core/memory-size.js';
import type { Engine } from '../engines/engine.js';
import { openDuckDb } from '../engines/duckdb/duckdb-engine.js';
import { openSpark } from '../engines/spark/spark-engine.js';
import { DEFAULT_SPARK_REMOTE } from '../engines/spark/spark-remote.js';

/** DuckDB's share of the run's memory limit, in its own syntax. */
function engineMemoryLimit(limit: string | undefined): string | undefined {
  const bytes = limit === undefined ? undefined : parseMemorySize(limit);
  return bytes === undefined ? undefined : `${Math.floor((bytes * ENGINE_SHARE_OF_MEMORY_LIMIT) / 1e6)}MB`;
}

/** The only place that picks a concrete engine. */
export async function openEngine(config: Config): Promise<Engine> {
  switch (config.engine) {
    case 'duckdb':
      return openDuckDb({
        memoryLimit: engineMemoryLimit(config.memoryLimit),
        threads: config.threads,
        tempDirectory: path.join(config.lake, 'snapshot', '_staging', 'spill'),
      });
    case 'spark':
      return openSpark(config.sparkRemote ?? process.env.SPARK_REMOTE ?? DEFAULT_SPARK_REMOTE);
  }
}
