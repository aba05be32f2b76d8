import path from 'node:path';
import type { Config } from '../core/config.js';
import { ENGINE_SHARE_OF_MEMORY_LIMIT, parseMemorySize } from '../core/memory-size.js';
import type { Engine } from '../engines/engine.js';
import { duckdbDialect } from '../engines/duckdb/duckdb-dialect.js';
import { sparkDialect } from '../engines/spark/spark-dialect.js';
import { DEFAULT_SPARK_REMOTE } from '../engines/spark/spark-remote.js';

/** DuckDB's share of the run's memory limit, in its own syntax. */
function engineMemoryLimit(limit: string | undefined): string | undefined {
  const bytes = limit === undefined ? undefined : parseMemorySize(limit);
  return bytes === undefined ? undefined : `${Math.floor((bytes * ENGINE_SHARE_OF_MEMORY_LIMIT) / 1e6)}MB`;
}

async function connect(config: Config): Promise<Engine> {
  switch (config.engine) {
    case 'duckdb': {
      const { openDuckDb } = await import('../engines/duckdb/duckdb-engine.js');
      return openDuckDb({
        memoryLimit: engineMemoryLimit(config.memoryLimit),
        threads: config.threads,
        tempDirectory: path.join(config.lake, 'snapshot', '_staging', 'spill'),
      });
    }
    case 'spark': {
      const { openSpark } = await import('../engines/spark/spark-engine.js');
      return openSpark(config.sparkRemote ?? process.env.SPARK_REMOTE ?? DEFAULT_SPARK_REMOTE);
    }
  }
}

/**
 * The only place that picks a concrete engine. The engine is loaded and connected at its first
 * statement: a run that finds nothing to do never starts one (loading DuckDB alone takes about
 * half a second, connecting to Spark longer).
 */
export function openEngine(config: Config): Engine {
  let opened: Promise<Engine> | undefined;
  const engine = () => (opened ??= connect(config));
  return {
    name: config.engine,
    dialect: config.engine === 'duckdb' ? duckdbDialect : sparkDialect,
    run: async (sql) => (await engine()).run(sql),
    query: async (sql) => (await engine()).query(sql),
    columns: async (select) => (await engine()).columns(select),
    readPaths: async (paths) => (await engine()).readPaths(paths),
    parquetFiles: async (paths) => (await engine()).parquetFiles(paths),
    async close() {
      // An engine that failed to start has nothing to close; its start error was the failing statement's.
      const started = await opened?.catch(() => undefined);
      if (started) await started.close();
    },
  };
}
