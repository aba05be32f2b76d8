import type { SqlDialect, TextInput } from '../engine.js';

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
  date: 'DATE',
  map: 'MAP(VARCHAR, VARCHAR)',
};

/**
 * JSON types as DuckDB's json_type names them, mapped to the contract's names. Non-negative
 * integers parse as UBIGINT; those beyond the signed 64-bit range are not integer keys.
 */
const jsonType = (v: string) => `CASE json_type(${v}) WHEN 'NULL' THEN 'null' WHEN 'VARCHAR' THEN 'string'
  WHEN 'BIGINT' THEN 'integer' WHEN 'DOUBLE' THEN 'number' WHEN 'BOOLEAN' THEN 'boolean'
  WHEN 'UBIGINT' THEN CASE WHEN TRY_CAST(${v} ->> '$' AS BIGINT) IS NULL THEN 'number' ELSE 'integer' END
  WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' END`;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  quote: (identifier) => `"${identifier.replace(/"/g, '""')}"`,
  sqlType(type) {
    const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const known = TYPES[type];
    if (!known) throw new Error(`no DuckDB type for ${type}`);
    return known;
  },
  createTemp: (name, select) => `CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`,
  dropTemp: (name) => `DROP TABLE IF EXISTS ${name}`,

  journalRecords(inputs: TextInput[]) {
    if (inputs.length === 0) {
      return `SELECT NULL::VARCHAR AS journal_file, NULL::DATE AS journal_date, NULL::BIGINT AS position, NULL::VARCHAR AS raw WHERE FALSE`;
    }
    const files = inputs
      .map((i) => `(${literal(i.textPath)}, ${literal(i.journalFile)}, DATE ${literal(i.journalDate)}, ${literal(i.format)})`)
      .join(', ');
    // read_text gives each file whole; positions come from splitting, so they are exact line numbers.
    return `WITH files(text_path, journal_file, journal_date, format) AS (VALUES ${files}),
      texts AS (SELECT f.journal_file, f.journal_date, f.format, t.content
                FROM read_text([${inputs.map((i) => literal(i.textPath)).join(', ')}]) t JOIN files f ON t.filename = f.text_path),
      split AS (SELECT journal_file, journal_date, string_split(content, chr(10)) AS lines FROM texts WHERE format = 'ndjson'),
      numbered AS (SELECT journal_file, journal_date, unnest(lines) AS line, unnest(range(1, len(lines) + 1)) AS position FROM split)
      SELECT journal_file, journal_date, position,
             CASE WHEN suffix(line, chr(13)) THEN line[:-2] ELSE line END AS raw
        FROM numbered WHERE NOT regexp_full_match(line, '[ \\t\\r]*')
      UNION ALL
      SELECT journal_file, journal_date, unnest(range(1, CAST(json_array_length(content) AS BIGINT) + 1)) AS position,
             unnest(json_extract(content, '$[*]'))::VARCHAR AS raw
        FROM texts WHERE format = 'array' AND json_valid(content)
      UNION ALL
      SELECT journal_file, journal_date, 1 AS position, content AS raw
        FROM texts WHERE format = 'document' OR (format = 'array' AND NOT json_valid(content))`;
  },

  probeJson(records, fields) {
    // One json_extract with a list of paths parses each record once for all fields.
    const paths = fields.map((f) => literal(`$."${f}"`)).join(', ');
    const probes = fields
      .map((_, i) => {
        const v = `vs[${i + 1}]`;
        return `CASE WHEN ${v} IS NULL THEN 'missing' ELSE ${jsonType(v)} END AS t_${i},
          ${v} ->> '$' AS s_${i}`;
      })
      .join(',\n');
    return `SELECT journal_file, journal_date, position, raw, is_json, is_object, ${probes}
      FROM (SELECT *, CASE WHEN is_object THEN json_extract(raw, [${paths}]) END AS vs
            FROM (SELECT *, CASE WHEN is_json THEN json_type(raw) = 'OBJECT' ELSE FALSE END AS is_object
                  FROM (SELECT r.*, json_valid(r.raw) AS is_json FROM (${records}) r)))`;
  },

  matches: (expr, regex) => `regexp_full_match(${expr}, ${literal(regex)})`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha256(unhex('${outer}') || unhex(sha256(unhex('${inner}') || encode(${expr}))))`,

  readParquet: (dir) => `read_parquet(${literal(`${dir}/*.parquet`)})`,

  writeParquet: (select, dir) =>
    `COPY (${select}) TO ${literal(`${dir}/part-00000.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
};
