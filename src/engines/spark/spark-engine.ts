import type { Engine, Row } from '../engine.js';
import { SparkConnectClient, SparkConnectError } from './spark-connect-client.js';
import { sparkDialect } from './spark-dialect.js';
import { parseSparkRemote } from './spark-remote.js';

/** Spark versions whose SQL the dialect is written for (variant functions came with 4.0). */
const SUPPORTED_MAJOR = 4;

/** Arrow values as plain JSON-like values, as the DuckDB engine returns them. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The Spark engine: the same fold, executed by a Spark Connect server. */
export async function openSpark(remoteUrl: string): Promise<Engine> {
  const remote = parseSparkRemote(remoteUrl);
  const client = new SparkConnectClient(remote);
  try {
    const version = await client.sparkVersion();
    if (Number(version.split('.')[0]) !== SUPPORTED_MAJOR) {
      throw new SparkConnectError(`the Spark Connect server at ${remote.display} runs Spark ${version}; subsnap needs Spark ${SUPPORTED_MAJOR}.x`);
    }
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  return {
    name: 'spark',
    dialect: sparkDialect,
    run: (sql) => client.sql(sql),
    async query(sql) {
      const rows = await client.query(sql);
      return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])) as Row);
    },
    async columns(select) {
      const rows = await client.query(`DESCRIBE QUERY ${select}`);
      return rows.map((r) => ({ name: String(r.col_name), type: String(r.data_type) }));
    },
    // Spark reads a path's characters literally once the dialect escapes them (see readParquetFiles).
    readPaths: async (paths) => paths,
    close: () => client.close(),
  };
}
