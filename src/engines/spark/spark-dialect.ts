import type { SqlDialect, TextInput } from '../engine.js';

/** Spark SQL string literal: backslashes escape in Spark's default string syntax. */
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  string: 'STRING',
  date: 'DATE',
  map: 'MAP<STRING, STRING>',
};

const textView = (i: number) => `subsnap_journal_text_${i}`;

/**
 * The contract's JSON type of a variant value. parse_json keeps integers as integer types and
 * anything with a fraction or exponent as DECIMAL or DOUBLE, so only integer types are 'integer'.
 */
const jsonType = (v: string) => `CASE WHEN ${v} IS NULL THEN 'missing' ELSE CASE
  WHEN schema_of_variant(${v}) IN ('TINYINT', 'SMALLINT', 'INT', 'BIGINT') THEN 'integer'
  WHEN schema_of_variant(${v}) = 'VOID' THEN 'null'
  WHEN schema_of_variant(${v}) = 'STRING' THEN 'string'
  WHEN schema_of_variant(${v}) = 'BOOLEAN' THEN 'boolean'
  WHEN schema_of_variant(${v}) LIKE 'OBJECT%' THEN 'object'
  WHEN schema_of_variant(${v}) LIKE 'ARRAY%' THEN 'array'
  ELSE 'number' END END`;

export const sparkDialect: SqlDialect = {
  name: 'spark',
  quote: (identifier) => `\`${identifier.replace(/`/g, '``')}\``,
  sqlType(type) {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const known = TYPES[type];
    if (!known) throw new Error(`no Spark type for ${type}`);
    return known;
  },
  // Cached lazily: nothing runs until the Parquet write needs it, then each relation is computed
  // once and reused by the counts, instead of one Spark job per statement.
  eagerTemps: false,
  createTemp: (name, select) => `CACHE LAZY TABLE ${name} AS ${select}`,
  dropTemp: (name) => `DROP VIEW IF EXISTS ${name}`,
  createView: (name, select) => `CREATE OR REPLACE TEMP VIEW ${name} AS ${select}`,
  dropView: (name) => `DROP VIEW IF EXISTS ${name}`,

  // Whole files as one value each: Spark's line reader gives no line numbers.
  journalSetup: (inputs) =>
    inputs.map((input, i) =>
      `CREATE OR REPLACE TEMPORARY VIEW ${textView(i)} USING text OPTIONS (path ${literal(input.textPath)}, wholetext 'true')`),

  journalRecords(inputs: TextInput[]) {
    if (inputs.length === 0) {
      return `SELECT CAST(NULL AS STRING) AS journal_file, CAST(NULL AS DATE) AS journal_date, CAST(NULL AS BIGINT) AS position, CAST(NULL AS STRING) AS raw WHERE FALSE`;
    }
    const texts = inputs
      .map((input, i) => `SELECT ${literal(input.journalFile)} AS journal_file, DATE ${literal(input.journalDate)} AS journal_date,
          ${literal(input.format)} AS format, CAST(${input.firstLine} AS BIGINT) AS first_line, value AS content FROM ${textView(i)}`)
      .join('\nUNION ALL\n');
    return `WITH texts AS (${texts}),
      numbered AS (SELECT journal_file, journal_date, first_line + p.pos AS position, p.line
                   FROM texts LATERAL VIEW posexplode(split(content, '\\n', -1)) p AS pos, line WHERE format = 'ndjson'),
      elements AS (SELECT journal_file, journal_date, CAST(e.pos + 1 AS BIGINT) AS position, e.raw
                   FROM (SELECT *, try_parse_json(content) AS doc FROM texts WHERE format = 'array') a
                   LATERAL VIEW posexplode(zip_with(from_json(content, 'array<string>'), variant_get(doc, '$', 'array<variant>'),
                     (s, v) -> CASE WHEN s IS NULL THEN 'null' WHEN schema_of_variant(v) = 'STRING' THEN to_json(v) ELSE s END)) e AS pos, raw
                   WHERE doc IS NOT NULL)
      SELECT journal_file, journal_date, position,
             CASE WHEN endswith(line, '\\r') THEN substring(line, 1, length(line) - 1) ELSE line END AS raw
        FROM numbered WHERE NOT line RLIKE '^[ \\\\t\\\\r]*$'
      UNION ALL
      SELECT journal_file, journal_date, position, raw FROM elements
      UNION ALL
      SELECT journal_file, journal_date, CAST(1 AS BIGINT) AS position, content AS raw
        FROM texts WHERE format = 'document' OR (format = 'array' AND try_parse_json(content) IS NULL)`;
  },

  probeJson(records, fields) {
    const probes = fields
      .map((f, i) => {
        const v = `variant_get(doc, ${literal(`$['${f.replace(/'/g, "\\'")}']`)}, 'variant')`;
        return `${jsonType(v)} AS t_${i}, variant_get(${v}, '$', 'string') AS s_${i}`;
      })
      .join(',\n');
    return `SELECT journal_file, journal_date, position, raw, is_json,
        is_json AND left(ltrim(raw), 1) = '{' AS is_object, ${probes}
      FROM (SELECT r.*, try_parse_json(r.raw) IS NOT NULL AS is_json, try_parse_json(r.raw) AS doc FROM (${records}) r) x`;
  },

  matches: (expr, regex) => `(${expr} RLIKE ${literal(`^(?:${regex})$`)})`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha2(concat(unhex('${outer}'), unhex(sha2(concat(unhex('${inner}'), encode(${expr}, 'UTF-8')), 256))), 256)`,

  readParquet: (dir) => `parquet.\`${dir.replace(/`/g, '``')}\``,

  writeParquet: (select, dir) => `INSERT OVERWRITE DIRECTORY ${literal(dir)} USING parquet ${select}`,
};
