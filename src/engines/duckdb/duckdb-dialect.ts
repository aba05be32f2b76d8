import type { SqlDialect, TextInput } from '../engine.js';
import { JSON_TOKEN, JSON_TOKENS, NEEDS_EXACT_NUMBERS, SHORT_NUMBER_JSON_TOKENS, TAG_PATTERN } from '../json-lexicon.js';

/** The one way text becomes a DuckDB string literal: single quotes doubled, nothing else is special. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** RFC 6901 JSON Pointer to a top-level member: every name is addressed exactly. */
const jsonPointer = (name: string) => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
  date: 'DATE',
  map: 'MAP(VARCHAR, VARCHAR)',
};

const list = (values: string[]) => `[${values.join(', ')}]`;

/**
 * The contract's JSON type of an extracted value from its JSON text `v` and that text's first
 * character `c` (a column of its own: each CASE branch compares it rather than computing it again;
 * one character between '0' and '9' is a digit, and a range test is not planned as a join as a long IN list is).
 * A number's text is also its string form. Integers are numbers spelled without fraction or exponent that fit a BIGINT.
 */
const plainType = (c: string, v: string) => `CASE WHEN ${c} IS NULL THEN 'missing' WHEN ${c} = '"' THEN 'string'
  WHEN ${c} = '-' OR ${c} BETWEEN '0' AND '9' THEN ${numberType(v)}
  WHEN ${c} = 'n' THEN 'null' WHEN ${c} IN ('t', 'f') THEN 'boolean' WHEN ${c} = '{' THEN 'object' ELSE 'array' END`;
const numberType = (text: string) =>
  `CASE WHEN regexp_full_match(${text}, '-?[0-9]+') AND TRY_CAST(${text} AS BIGINT) IS NOT NULL THEN 'integer' ELSE 'number' END`;
/**
 * The string form of an extracted value's JSON text `v` (first character `c`), without parsing the
 * record again: a string's content (its quotes dropped; one with an escape decoded by the parser), a
 * number's text as the parser gives it, 'true' / 'false', an object's or array's JSON text; NULL for
 * JSON null and for a missing member.
 */
const plainText = (c: string, v: string) => `CASE WHEN ${c} = '"' THEN
    CASE WHEN contains(${v}, '\\') THEN json_extract_string(${v}, '$') ELSE ${v}[2:-2] END
  WHEN ${c} <> 'n' THEN ${v} END`;
/** In the tagged text every string is "S…N" and every number "SN…" (see json-lexicon.ts). */
const taggedType = (c: string, s: string) => `CASE WHEN ${c} IS NULL THEN 'missing' WHEN ${c} = '"' THEN
    CASE WHEN suffix(${s}, 'N') THEN 'string' ELSE ${numberType(`${s}[3:]`)} END
  WHEN ${c} = 'n' THEN 'null' WHEN ${c} IN ('t', 'f') THEN 'boolean' WHEN ${c} = '{' THEN 'object' ELSE 'array' END`;
const taggedText = (c: string, s: string) =>
  `CASE WHEN ${c} = '"' THEN CASE WHEN suffix(${s}, 'N') THEN ${s}[2:-2] ELSE ${s}[3:] END ELSE ${s} END`;

/** A table expression over an explicit list of Parquet paths (aliases from the engine's readPaths: names are data, not patterns); no meaning read into folder names. */
export function readParquetList(files: string[]): string {
  if (files.length === 0) throw new Error('reading Parquet needs at least one file');
  return `read_parquet(${list(files.map(literal))}, hive_partitioning = false)`;
}

/**
 * Whether an object repeats a member name. Each member has one colon outside strings, so an object
 * with no more colons than distinct probed fields present (the usual record) has just those members,
 * once each: only other records are parsed again for their names. (Counting colons by splitting is
 * about half the cost of a parse.)
 */
const duplicateNames = (fieldCount: number) => {
  const present = Array.from({ length: fieldCount }, (_, i) => `CAST(COALESCE(pc_${i}, tc_${i}) IS NOT NULL AS INT)`).join(' + ');
  return `CASE WHEN NOT is_object THEN FALSE WHEN len(string_split(raw, ':')) - 1 = ${present} THEN FALSE
    ELSE len(json_keys(raw)) <> len(list_distinct(json_keys(raw))) END`;
};

/**
 * Rows per row group of a relation computed once (createTemp), staged as Parquet in the run's scratch
 * folder. DuckDB gives a thread to each row group of what it scans: in a temporary table a group
 * holds 122,880 rows, so a day of 100k records was probed by one thread; the file's small groups
 * keep both busy at any size, and spare the memory limit a table in memory.
 */
const TEMP_ROW_GROUP = 8192;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  literal,
  identifier,
  jsonPath: (name) => literal(jsonPointer(name)),
  sqlType(type) {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const known = TYPES[type];
    if (!known) throw new Error(`no DuckDB type for ${type}`);
    return known;
  },
  createTemp: (name, select, scratchDir) => {
    const file = literal(`${scratchDir}/${name}.parquet`);
    return [`COPY (${select}) TO ${file} (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE ${TEMP_ROW_GROUP})`,
      `CREATE OR REPLACE TEMP VIEW ${identifier(name)} AS SELECT * FROM read_parquet(${file})`];
  },
  dropTemp: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,
  createView: (name, select) => `CREATE OR REPLACE TEMP VIEW ${identifier(name)} AS ${select}`,
  dropView: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,

  journalReading: 'prepared-texts',
  journalSetup: () => [],
  journalTemps: [],

  journalRecords(inputs: TextInput[]) {
    if (inputs.length === 0) {
      return `SELECT NULL::VARCHAR AS journal_file, NULL::DATE AS journal_date, NULL::BIGINT AS file_rank, NULL::BIGINT AS position, NULL::VARCHAR AS raw WHERE FALSE`;
    }
    // read_text gives each text whole; positions come from splitting, so they are exact line numbers.
    // Blank lines are left out; the usual line, a record starting with '{', skips the blank test.
    // Each text's identity is looked up by position in literal lists rather than joined: a join
    // could choose the texts as its build side and hold them all in memory.
    const paths = list(inputs.map((i) => literal(i.textPath)));
    const item = (values: string[]) => `${list(values)}[list_position(${paths}, t.filename)]`;
    const texts = `(SELECT ${item(inputs.map((i) => literal(i.journalFile)))} AS journal_file,
        CAST(${item(inputs.map((i) => literal(i.journalDate)))} AS DATE) AS journal_date,
        ${item(inputs.map((i) => String(i.fileRank)))}::BIGINT AS file_rank,
        ${item(inputs.map((i) => String(i.firstLine)))}::BIGINT AS first_line, t.content
      FROM read_text(${paths}) t)`;
    return `SELECT journal_file, journal_date, file_rank, position, CASE WHEN suffix(line, chr(13)) THEN line[:-2] ELSE line END AS raw
      FROM (SELECT journal_file, journal_date, file_rank, unnest(lines) AS line, unnest(range(first_line, first_line + len(lines))) AS position
            FROM (SELECT journal_file, journal_date, file_rank, first_line, string_split(content, chr(10)) AS lines FROM ${texts} n) s) l
      WHERE prefix(line, '{') OR NOT regexp_full_match(line, '[ \\t\\r]*')`;
  },

  probeJson(records, fields) {
    // Strict JSON: DuckDB's parser also takes trailing commas and NaN, which the token grammar refuses.
    // Numbers keep their value: DuckDB's parser reads a number through a double, which gives back any
    // number of at most 15 digits unchanged in value (respelled maybe: 1.50 as 1.5). A record with a
    // longer number or an exponent is read from its tagged copy, where every number is a string of its
    // own text. The usual record is told apart by one pass (short_numbers: strict tokens, short
    // numbers); only the others pay for the general token grammar and the search for long numbers (a
    // journal whose records mostly carry such numbers, e.g. nanosecond timestamps, pays three passes).
    const plainPaths = list(fields.map((f) => literal(jsonPointer(f))));
    const taggedPaths = list(fields.map((f) => literal(jsonPointer(`S${f}N`))));
    const probes = fields.map((_, i) => {
      const [pc, pv, tc, ts] = [`pc_${i}`, `pv_${i}`, `tc_${i}`, `ts_${i}`];
      return `CASE WHEN exact THEN ${plainType(pc, pv)} ELSE ${taggedType(tc, ts)} END AS t_${i},
        CASE WHEN exact THEN ${plainText(pc, pv)} ELSE ${taggedText(tc, ts)} END AS s_${i}`;
    }).join(',\n');
    // Each extracted value and its first character in columns of their own: the expressions above
    // read them without list access or recomputing.
    const unpacked = fields.map((_, i) =>
      `pv[${i + 1}]::VARCHAR AS pv_${i}, left(pv[${i + 1}]::VARCHAR, 1) AS pc_${i}, ts[${i + 1}] AS ts_${i}, left(tv[${i + 1}]::VARCHAR, 1) AS tc_${i}`).join(', ');
    const helpers = ['pv', 'tv', 'ts', 'tagged', 'exact', ...fields.flatMap((_, i) => [`pv_${i}`, `pc_${i}`, `ts_${i}`, `tc_${i}`])];
    return `SELECT * EXCLUDE (${helpers.join(', ')}), ${probes}, ${duplicateNames(fields.length)} AS duplicate_names
      FROM (SELECT *, ${unpacked}
      FROM (SELECT *,
              CASE WHEN is_object AND exact THEN json_extract(raw, ${plainPaths}) END AS pv,
              CASE WHEN is_object AND NOT exact THEN json_extract(tagged, ${taggedPaths}) END AS tv,
              CASE WHEN is_object AND NOT exact THEN json_extract_string(tagged, ${taggedPaths}) END AS ts
            FROM (SELECT *, CASE WHEN left(raw, 1) = '{' THEN is_json ELSE is_json AND left(ltrim(raw, ' ' || chr(9) || chr(13) || chr(10)), 1) = '{' END AS is_object,
                    CASE WHEN is_json AND NOT exact THEN regexp_replace(raw, ${literal(TAG_PATTERN)}, '"S\\1N\\2"', 'g') END AS tagged
                  FROM (SELECT r.* EXCLUDE (short_numbers),
                          CASE WHEN short_numbers THEN json_valid(r.raw) ELSE regexp_full_match(r.raw, ${literal(JSON_TOKENS)}) AND json_valid(r.raw) END AS is_json,
                          CASE WHEN short_numbers THEN TRUE ELSE NOT regexp_matches(r.raw, ${literal(NEEDS_EXACT_NUMBERS)}) END AS exact
                        FROM (SELECT r.*, regexp_full_match(r.raw, ${literal(SHORT_NUMBER_JSON_TOKENS)}) AS short_numbers FROM (${records}) r) r) a) b) c) u`;
  },

  memberNamesQuery: (records, limit) =>
    `SELECT name, COUNT(*) AS n FROM (SELECT unnest(json_keys(raw)) AS name FROM (${records}) r
       WHERE json_valid(raw) AND left(ltrim(raw), 1) = '{') k GROUP BY name ORDER BY COUNT(*) DESC, name LIMIT ${Math.trunc(limit)}`,

  redactMembers(raw, drop, hashed, hash) {
    // Tokens as written; the root object's own commas (those at depth 1) cut it into members.
    const tokens = `regexp_extract_all(${raw}, ${literal(JSON_TOKEN)})`;
    // The depth before the j-th comma, in linear time (no running sum): among the openers and commas
    // in order it stands at (openers before it) + j, among the closers and commas at (closers before
    // it) + j; the difference is its depth. `ci`: the commas' token positions.
    // (`within` stands once, outside the lambda: inside, it would be computed again for each element.)
    const commaPositions = (within: string) => `list_filter(list_transform(${within}, (x, i) -> CASE WHEN x = ',' THEN i END), i -> i IS NOT NULL)`;
    const among = (marks: string) => commaPositions(`list_filter(tk, x -> x IN (${marks}, ','))`);
    const rootCommas = `list_transform([${commaPositions('tk')}], ci -> list_transform([${among(`'{', '['`)}], op ->
      list_transform([${among(`'}', ']'`)}], cl -> list_transform(list_filter(range(1, len(ci) + 1), j -> op[j] - cl[j] = 1), j -> ci[j]))[1])[1])[1]`;
    const bounds = `list_concat([1], ${rootCommas}, [len(tk)])`;
    const names = (list: string[]) => `[${list.map(literal).join(', ')}]`;
    const member = (mt: string) => {
      const name = `json_extract_string(${mt}[1], '$')`;
      const value = `array_to_string(${mt}[3:], '')`;
      const decoded = `CASE WHEN left(${value}, 1) = '"' THEN json_extract_string(${value}, '$') ELSE ${value} END`;
      const hashedMember = hashed.length
        ? `WHEN list_contains(${names(hashed)}, ${name}) AND ${value} <> 'null' THEN concat(${mt}[1], ':"', ${hash(decoded)}, '"')`
        : '';
      return `CASE WHEN len(${mt}) = 0 OR list_contains(${names(drop)}, ${name}) THEN NULL ${hashedMember}
        ELSE array_to_string(${mt}, '') END`;
    };
    // `list_transform([v], name -> …)[1]` binds v to a name without a subquery.
    const joined = `concat('{', array_to_string(list_filter(list_transform(range(1, len(bd)), i -> ${member('tk[bd[i] + 1:bd[i + 1] - 1]')}),
        x -> x IS NOT NULL), ','), '}')`;
    return `list_transform([${tokens}], tk -> list_transform([${bounds}], bd -> ${joined})[1])[1]`;
  },

  // A lambda runs per batch with a fixed cost (about 1 ms each for redactMembers): rows scattered over
  // the batches of a large table pay it for each batch; a sort gathers them into full ones.
  denseRows: (select, order) => `SELECT * FROM (${select}) d ORDER BY ${order.map(identifier).join(', ')}`,

  // A semi or anti join whose hash table is built on the keys (DuckDB builds on the smaller side itself).
  // Written as a join: a correlated NOT EXISTS is planned as a delim join that groups every previous row's key.
  keyFilter: (rows, keys, key, { keep }) =>
    `SELECT r.* FROM (${rows}) r ${keep ? 'SEMI' : 'ANTI'} JOIN (${keys}) k ON k.${identifier(key)} = r.${identifier(key)}`,

  broadcastHint: () => '',

  matches: (expr, regex) => `regexp_full_match(${expr}, ${literal(regex)})`,
  regexpExtract: (expr, regex, group) => `regexp_extract(${expr}, ${literal(regex)}, ${group})`,
  replaceRegex: (expr, regex, replacement) => `regexp_replace(${expr}, ${literal(regex)}, ${literal(replacement)}, 'g')`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha256(unhex(${literal(outer)}) || unhex(sha256(unhex(${literal(inner)}) || encode(${expr}))))`,

  writeParquet: (select, dir) =>
    `COPY (${select}) TO ${literal(`${dir}/part-00000.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,

  values(columns, rows) {
    if (rows.length === 0) return `(SELECT ${columns.map((c) => `NULL AS ${identifier(c.name)}`).join(', ')} WHERE FALSE)`;
    const cell = (value: string | number, type: string) => (typeof value === 'number' ? `CAST(${value} AS ${type})` : literal(value));
    return `(SELECT * FROM (VALUES ${rows.map((r) => `(${r.map((v, i) => cell(v, columns[i]!.type)).join(', ')})`).join(', ')})
      AS v(${columns.map((c) => identifier(c.name)).join(', ')}))`;
  },
};
