import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PathAliases } from '../../lake/path-aliases.js';
import type { Engine, Row } from '../engine.js';
import { duckdbDialect, readParquetList } from './duckdb-dialect.js';

export interface DuckDbOptions {
  memoryLimit?: string;
  threads?: number;
  /** Where DuckDB spills when the work exceeds the memory limit. */
  tempDirectory?: string;
}

/** The embedded engine: an in-memory DuckDB database per run; only the lake's files persist. */
export async function openDuckDb(options: DuckDbOptions = {}): Promise<Engine> {
  const settings: Record<string, string> = { preserve_insertion_order: 'false' };
  if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
  if (options.threads) settings.threads = String(options.threads);
  if (options.tempDirectory) settings.temp_directory = options.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', settings);
  const connection: DuckDBConnection = await instance.connect();
  const aliases = new PathAliases();
  return {
    name: 'duckdb',
    dialect: duckdbDialect,
    async run(sql) {
      await connection.run(sql);
    },
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Row[];
    },
    async columns(select) {
      const reader = await connection.runAndReadAll(`DESCRIBE ${select}`);
      return (reader.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((r) => ({
        name: r.column_name,
        type: r.column_type,
      }));
    },
    readPaths: (paths) => aliases.resolve(paths),
    parquetFiles: async (paths) => readParquetList(await aliases.resolve(paths)),
    async close() {
      connection.closeSync();
      instance.closeSync();
      await aliases.close();
    },
  };
}
