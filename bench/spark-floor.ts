// Spark's all-columns floor, the Spark analogue of io-floor.ts: on the bench's Spark server, read the
// previous snapshot and the new journal day and write every output column to Parquet (zstd) in one
// statement, with no validation, deduplication or join. Every correct Spark run writes each row of the
// previous snapshot again (the catalog's columns, its `extras` map included) and every journal record
// with its lineage; this is what Spark's reader and Parquet writer alone take for that.
import { openSpark } from '../src/engines/spark/spark-engine.js';
import { literalPath, sparkDialect } from '../src/engines/spark/spark-dialect.js';

const { literal, identifier } = sparkDialect;

const [remote, previous, journal, date, out] = process.argv.slice(2);
if (!remote || !previous || !journal || !date || !out) throw new Error('usage: spark-floor.ts REMOTE PREVIOUS_DIR JOURNAL_DAY_DIR DATE OUT_DIR');
const JOURNAL_FIELDS = 'Id BIGINT, active BOOLEAN, subscription STRING, cost DECIMAL(18,2), start_date DATE, end_date DATE';
const table = (format: string, dir: string) => `${format}.${identifier(literalPath(dir))}`;

const engine = await openSpark(remote);
try {
  const columns = await engine.columns(`SELECT * FROM ${table('parquet', previous)}`);
  const journalFields = new Set(JOURNAL_FIELDS.split(', ').map((f) => f.split(' ')[0]!));
  const lineage: Record<string, string> = {
    _journal_date: `DATE ${literal(date)}`,
    _journal_file: '_metadata.file_path',
    _journal_line: 'monotonically_increasing_id()',
  };
  const fromJournal = columns.map(({ name, type }) => {
    const value = journalFields.has(name) ? `r.${identifier(name)}` : lineage[name] ?? `CAST(NULL AS ${type})`;
    return `${value} AS ${identifier(name)}`;
  });
  await engine.run(`INSERT OVERWRITE DIRECTORY ${literal(out)} USING parquet OPTIONS (compression 'zstd')
    SELECT * FROM ${table('parquet', previous)}
    UNION ALL
    SELECT ${fromJournal.join(', ')} FROM (SELECT from_json(value, ${literal(JOURNAL_FIELDS)}) AS r, _metadata FROM ${table('text', journal)}) j`);
} finally {
  await engine.close();
}
