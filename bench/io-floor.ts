// The I/O floor of a daily run: read the previous snapshot and the new journal day and write them
// to Parquet in one DuckDB statement, with no deduplication and no join. No correct run can beat it:
// every correct run writes each row of the previous snapshot again with all its columns (the
// catalog's `extras` map included) and reads every journal record.
import { DuckDBInstance } from '@duckdb/node-api';

const [previous, journal, out, memoryLimit] = process.argv.slice(2);
if (!previous || !journal || !out) throw new Error('usage: io-floor.ts PREVIOUS_DIR JOURNAL_DAY_DIR OUT_FILE [MEMORY_LIMIT]');
const instance = await DuckDBInstance.create(':memory:', memoryLimit ? { memory_limit: memoryLimit } : {});
const connection = await instance.connect();
const columns = `{'Id': 'BIGINT', 'active': 'BOOLEAN', 'subscription': 'VARCHAR', 'cost': 'DECIMAL(18,2)', 'start_date': 'DATE', 'end_date': 'DATE'}`;
await connection.run(`COPY (
  SELECT * FROM read_parquet('${previous}/*.parquet')
  UNION ALL BY NAME
  SELECT * FROM read_json('${journal}/*.jsonl', format = 'newline_delimited', columns = ${columns}, ignore_errors = true)
) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
connection.closeSync();
instance.closeSync();
