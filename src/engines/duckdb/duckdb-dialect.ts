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
 * The contract's JSON type of an extracted value, from the first character of its JSON text
 * (cheaper than json_type, which parses the value again). Integers are numbers spelled without
 * fraction or exponent that fit a BIGINT.
 */
const jsonType = (v: string) => `CASE WHEN ${v} IS NULL THEN 'missing' ELSE CASE left(${v}::VARCHAR, 1)
  WHEN '"' THEN 'string' WHEN 'n' THEN 'null' WHEN 't' THEN 'boolean' WHEN 'f' THEN 'boolean'
  WHEN '{' THEN 'object' WHEN '[' THEN 'array'
  ELSE CASE WHEN regexp_full_match(${v}::VARCHAR, '-?[0-9]+') AND TRY_CAST(${v}::VARCHAR AS BIGINT) IS NOT NULL
            THEN 'integer' ELSE 'number' END END END`;

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

  journalSetup: () => [],

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
    // Two parses per record for all fields: the values' JSON text (for types) and their string form.
    const paths = `[${fields.map((f) => literal(`$."${f}"`)).join(', ')}]`;
    const probes = fields.map((_, i) => `${jsonType(`vs[${i + 1}]`)} AS t_${i}, ss[${i + 1}] AS s_${i}`).join(',\n');
    return `SELECT journal_file, journal_date, position, raw, is_json,
        is_json AND left(ltrim(raw, ' ' || chr(9) || chr(13) || chr(10)), 1) = '{' AS is_object, ${probes}
      FROM (SELECT *, CASE WHEN is_json THEN json_extract(raw, ${paths}) END AS vs,
                      CASE WHEN is_json THEN json_extract_string(raw, ${paths}) END AS ss
            FROM (SELECT r.*, json_valid(r.raw) AS is_json FROM (${records}) r))`;
  },

  matches: (expr, regex) => `regexp_full_match(${expr}, ${literal(regex)})`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha256(unhex('${outer}') || unhex(sha256(unhex('${inner}') || encode(${expr}))))`,

  readParquet: (dir) => `read_parquet(${literal(`${dir}/*.parquet`)})`,

  writeParquet: (select, dir) =>
    `COPY (${select}) TO ${literal(`${dir}/part-00000.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
};
