// The I/O floor of a daily run: read the previous snapshot and the new journal day and write them
// to Parquet in one DuckDB statement, with no deduplication and no join. No correct run can beat it.
import { DuckDBInstance } from '@duckdb/node-api';

const [previous, journal, out, memoryLimit] = process.argv.slice(2);
if (!previous || !journal || !out) throw new Error('usage: io-floor.ts PREVIOUS_DIR JOURNAL_DAY_DIR OUT_FILE [MEMORY_LIMIT]');
const instance = await DuckDBInstance.create(':memory:', memoryLimit ? { memory_limit: memoryLimit } : {});
const connection = await instance.connect();
const columns = `{'Id': 'BIGINT', 'active': 'BOOLEAN', 'subscription': 'VARCHAR', 'cost': 'DECIMAL(18,2)', 'start_date': 'VARCHAR', 'end_date': 'VARCHAR'}`;
await connection.run(`COPY (
  SELECT "Id", active, subscription, cost, CAST(start_date AS VARCHAR) AS start_date, CAST(end_date AS VARCHAR) AS end_date
    FROM read_parquet('${previous}/*.parquet')
  UNION ALL
  SELECT "Id", active, subscription, cost, start_date, end_date
    FROM read_json('${journal}/*.jsonl', format = 'newline_delimited', columns = ${columns}, ignore_errors = true)
) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
connection.closeSync();
instance.closeSync();
