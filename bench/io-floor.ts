// The all-columns floor of a daily run: read the previous snapshot and the new journal day and write
// every output column to Parquet in one DuckDB statement, with no validation, deduplication or join.
// No correct run can beat it: every correct run writes each row of the previous snapshot again with
// all its columns (the catalog's `extras` map and the lineage columns included), and reads every
// journal record and writes it with its lineage (date, file, line).
import { DuckDBInstance } from '@duckdb/node-api';

const [previous, journal, date, out, memoryLimit] = process.argv.slice(2);
if (!previous || !journal || !date || !out) throw new Error('usage: io-floor.ts PREVIOUS_DIR JOURNAL_DAY_DIR DATE OUT_FILE [MEMORY_LIMIT]');
const instance = await DuckDBInstance.create(':memory:', memoryLimit ? { memory_limit: memoryLimit } : {});
const connection = await instance.connect();
const columns = `{'Id': 'BIGINT', 'active': 'BOOLEAN', 'subscription': 'VARCHAR', 'cost': 'DECIMAL(18,2)', 'start_date': 'DATE', 'end_date': 'DATE'}`;
await connection.run(`COPY (
  SELECT * FROM read_parquet('${previous}/*.parquet')
  UNION ALL BY NAME
  SELECT * EXCLUDE (filename), DATE '${date}' AS _journal_date, filename AS _journal_file, row_number() OVER () AS _journal_line
  FROM read_json('${journal}/*.jsonl', format = 'newline_delimited', columns = ${columns}, ignore_errors = true, filename = true)
) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
connection.closeSync();
instance.closeSync();
