import type { SqlDialect } from '../engine.js';
import { possessive } from '../json-lexicon.js';
import { PROBE_FUNCTION, PROBE_NAME_SEPARATOR } from './spark-probe-names.js';

/** The one way text becomes a Spark string literal: backslashes escape in Spark's default string syntax. */
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const identifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;
/** Hadoop expands `{a,b}`, `[…]`, `*`, `?` in read paths; a backslash makes each character literal. */
export const literalPath = (p: string) => p.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`);

const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  string: 'STRING',
  date: 'DATE',
  map: 'MAP<STRING, STRING>',
};

const list = (values: string[]) => `array(${values.join(', ')})`;
/** Where the journal's lines are staged for the run (see journalSetup). */
const journalLines = (scratchDir: string) => `${scratchDir}/journal-lines`;

// java.util.regex backtracks and recurses: possessive loops keep long strings from exhausting the stack.
const STRING = possessive('"(?:[^"\\\\]|\\\\[\\s\\S])*"');
const TOKEN = `${STRING}|[{}\\[\\]:,]|[^ \\t\\n\\r{}\\[\\]:,"]++`;

/**
 * A relation computed once into Parquet in the run's scratch folder, and a view reading it back.
 * Not Spark's cache: the cache is the server's (held in its heap across sessions), and a view that
 * keeps its SQL text (Spark's default; the engine's sessions keep plans instead, see spark-engine.ts)
 * made every reference to a cached relation analyze its whole query again. A view over Parquet files
 * is analyzed in a moment and always reads the same rows.
 */
function stagedTemp(name: string, select: string, scratchDir: string): string[] {
  const dir = `${scratchDir}/${name}`;
  return [
    `INSERT OVERWRITE DIRECTORY ${literal(dir)} USING parquet OPTIONS (compression 'lz4') ${select}`,
    `CREATE OR REPLACE TEMP VIEW ${identifier(name)} AS SELECT * FROM parquet.${identifier(literalPath(dir))}`,
  ];
}

/** `body` with `value` bound to the lambda variable `name`, without a subquery (a higher-order function). */
const bindTo = (value: string, name: string, body: string) => `transform(array(${value}), ${name} -> ${body})[0]`;

export const sparkDialect: SqlDialect = {
  name: 'spark',
  literal,
  identifier,
  jsonPath: literal,
  sqlType(type) {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const known = TYPES[type];
    if (!known) throw new Error(`no Spark type for ${type}`);
    return known;
  },
  createTemp: stagedTemp,
  dropTemp: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,
  createView: (name, select) => `CREATE OR REPLACE TEMP VIEW ${identifier(name)} AS ${select}`,
  dropView: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,

  // Spark's own line reader, splittable: each line with its split (file_block_start) and an id that is
  // contiguous within a split (monotonically_increasing_id); a line's number is the lines of the
  // file's earlier splits plus its place in its split. The files are read once, into Parquet in the
  // run's scratch folder: the ids are drawn once, and the splits (a view) and the lines read the same.
  journalReading: 'raw-files',
  journalTemps: ['journal_splits'],
  journalSetup(inputs, scratchDir) {
    if (inputs.length === 0) return [];
    const files = inputs.map((input) => `SELECT ${literal(input.journalFile)} AS journal_file, DATE ${literal(input.journalDate)} AS journal_date,
        CAST(${input.fileRank} AS BIGINT) AS file_rank, _metadata.file_block_start AS block, monotonically_increasing_id() AS mid,
        value AS line FROM text.${identifier(literalPath(input.textPath))}`);
    return [
      `INSERT OVERWRITE DIRECTORY ${literal(journalLines(scratchDir))} USING parquet OPTIONS (compression 'lz4') ${files.join('\nUNION ALL\n')}`,
      `CREATE OR REPLACE TEMP VIEW journal_splits AS SELECT journal_file, block, MIN(mid) AS first_mid,
         SUM(COUNT(*)) OVER (PARTITION BY journal_file ORDER BY block ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - COUNT(*) AS lines_before
       FROM parquet.${identifier(literalPath(journalLines(scratchDir)))} GROUP BY journal_file, block`,
    ];
  },

  invalidUtf8Query(inputs, scratchDir) {
    return `SELECT journal_file, position FROM (${sparkDialect.journalRecords(inputs, scratchDir)}) r
      WHERE NOT is_valid_utf8(raw) ORDER BY file_rank, position LIMIT 1`;
  },

  journalRecords(inputs, scratchDir) {
    if (inputs.length === 0) {
      return `SELECT CAST(NULL AS STRING) AS journal_file, CAST(NULL AS DATE) AS journal_date, CAST(NULL AS BIGINT) AS file_rank,
        CAST(NULL AS BIGINT) AS position, CAST(NULL AS STRING) AS raw WHERE FALSE`;
    }
    // A byte order mark at the start of a file is not part of its first record.
    return `SELECT journal_file, journal_date, file_rank, position,
        CASE WHEN position = 1 AND startswith(line, ${literal('\ufeff')}) THEN substr(line, 2) ELSE line END AS raw
      FROM (SELECT /*+ BROADCAST(s) */ l.journal_file, l.journal_date, l.file_rank, s.lines_before + (l.mid - s.first_mid) + 1 AS position, l.line
            FROM parquet.${identifier(literalPath(journalLines(scratchDir)))} l
            JOIN journal_splits s ON s.journal_file = l.journal_file AND s.block = l.block) n
      WHERE NOT line RLIKE '^[ \\t]*$'`;
  },

  probeJson(records, fields) {
    // One strict pass per record by the record probe (a Java UDF over Jackson, spark/udf/): computed
    // once in an inner projection, its fields (each member's type word and text) read by the outer one.
    const members = fields.map((_, i) => `p.t[${i}] AS t_${i}, p.s[${i}] AS s_${i}`).join(', ');
    return `SELECT *, p.is_json AS is_json, COALESCE(p.is_object, FALSE) AS is_object, COALESCE(p.duplicate_names, FALSE) AS duplicate_names, ${members}
      FROM (SELECT r.*, ${PROBE_FUNCTION}(r.raw, ${literal(fields.join(PROBE_NAME_SEPARATOR))}) AS p FROM (${records}) r) x`;
  },

  memberNamesQuery: (records, limit) =>
    `SELECT name, COUNT(*) AS n FROM (SELECT explode(json_object_keys(raw)) AS name FROM (${records}) r
       WHERE try_parse_json(raw) IS NOT NULL) k GROUP BY name ORDER BY COUNT(*) DESC, name LIMIT ${Math.trunc(limit)}`,

  // Spark runs a lambda over a task's rows without a cost per batch; a sort would add a shuffle.
  denseRows: (select) => select,

  redactMembers(raw, drop, hashed, hash) {
    // Tokens as written; the root object's own commas (those at depth 1) cut it into members.
    const tokens = `regexp_extract_all(${raw}, ${literal(TOKEN)}, 0)`;
    // The depth before the j-th comma, in linear time (no running sum): among the openers and commas
    // in order it stands at (openers before it) + j, among the closers and commas at (closers before
    // it) + j; the difference is its depth. `ci`: the commas' token positions (from 0).
    // (Indices come from transform's own: a sequence over an empty array would count down.)
    const commaPositions = (within: string) => `filter(transform(${within}, (x, i) -> IF(x = ',', i, -1)), i -> i >= 0)`;
    const among = (marks: string) => commaPositions(`filter(tk, x -> x IN (${marks}, ','))`);
    const rootCommas = bindTo(commaPositions('tk'), 'ci', bindTo(among(`'{', '['`), 'op', bindTo(among(`'}', ']'`), 'cl',
      `filter(transform(ci, (c, j) -> IF(op[j] - cl[j] = 1, c, -1)), c -> c >= 0)`)));
    const bounds = `concat(array(0), ${rootCommas}, array(size(tk) - 1))`;
    const names = (values: string[]) => list(values.length ? values.map(literal) : ["''"]);
    const decode = (token: string) => `get_json_object(concat('{"k":', ${token}, '}'), '$.k')`;
    const member = (mt: string) => {
      const name = decode(`${mt}[0]`);
      const value = `array_join(slice(${mt}, 3, size(${mt})), '')`;
      const decoded = `CASE WHEN left(${value}, 1) = '"' THEN ${decode(value)} ELSE ${value} END`;
      const hashedMember = hashed.length
        ? `WHEN array_contains(${names(hashed)}, ${name}) AND ${value} <> 'null' THEN concat(${mt}[0], ':"', ${hash(decoded)}, '"')`
        : '';
      return `CASE WHEN size(${mt}) = 0 OR array_contains(${names(drop)}, ${name}) THEN NULL ${hashedMember}
        ELSE array_join(${mt}, '') END`;
    };
    const joined = `concat('{', array_join(filter(transform(sequence(0, size(bd) - 2),
        i -> ${member('slice(tk, bd[i] + 2, bd[i + 1] - bd[i] - 1)')}), x -> x IS NOT NULL), ','), '}')`;
    return bindTo(tokens, 'tk', bindTo(bounds, 'bd', joined));
  },

  keyFilter: (rows, keys, key, { keep, broadcast }) =>
    `SELECT ${broadcast ? '/*+ BROADCAST(k) */ ' : '/*+ SHUFFLE_HASH(k) */ '}r.* FROM (${rows}) r LEFT ${keep ? 'SEMI' : 'ANTI'} JOIN (${keys}) k
       ON r.${identifier(key)} = k.${identifier(key)}`,

  broadcastHint: (alias) => `/*+ BROADCAST(${alias}) */ `,

  // A higher-order function has no generated code of its own (Spark evaluates it by its interpreter),
  // so the projection that holds one leaves whole-stage code generation and is generated on its own,
  // in methods Spark splits small. Inlined into the stage's one method, the record checks' rare
  // branches made it 21 KB of bytecode, more than HotSpot compiles by default: every row ran interpreted
  // (a million records: 11.9 s against 4.4 s).
  rareBranch(values, body) {
    const fields = Object.entries(values).map(([name, value]) => `${literal(name)}, ${value}`).join(', ');
    return bindTo(`named_struct(${fields})`, 'rare_values', body((name) => `rare_values.${identifier(name)}`));
  },
  matches: (expr, regex) => `(${expr} RLIKE ${literal(`^(?:${regex})$`)})`,
  regexpExtract: (expr, regex, group) => `regexp_extract(${expr}, ${literal(regex)}, ${group})`,
  replaceRegex: (expr, regex, replacement) => `regexp_replace(${expr}, ${literal(regex)}, ${literal(replacement)})`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha2(concat(unhex(${literal(outer)}), unhex(sha2(concat(unhex(${literal(inner)}), encode(${expr}, 'UTF-8')), 256))), 256)`,

  writeParquet: (select, dir) => `INSERT OVERWRITE DIRECTORY ${literal(dir)} USING parquet OPTIONS (compression 'zstd') ${select}`,

  values(columns, rows) {
    const names = columns.map((c) => identifier(c.name)).join(', ');
    if (rows.length === 0) return `(SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${identifier(c.name)}`).join(', ')} WHERE FALSE)`;
    const cell = (value: string | number, type: string) => (typeof value === 'number' ? `CAST(${value} AS ${type})` : literal(value));
    return `(SELECT * FROM VALUES ${rows.map((r) => `(${r.map((v, i) => cell(v, columns[i]!.type)).join(', ')})`).join(', ')} AS v(${names}))`;
  },
};
