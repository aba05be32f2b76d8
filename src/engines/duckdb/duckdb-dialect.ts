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
  eagerTemps: true,
  createTemp: (name, select) => `CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`,
  dropTemp: (name) => `DROP TABLE IF EXISTS ${name}`,
  createView: (name, select) => `CREATE OR REPLACE TEMP VIEW ${name} AS ${select}`,
  dropView: (name) => `DROP VIEW IF EXISTS ${name}`,

  journalSetup: () => [],

  journalRecords(inputs: TextInput[]) {
    if (inputs.length === 0) {
      return `SELECT NULL::VARCHAR AS journal_file, NULL::DATE AS journal_date, NULL::BIGINT AS position, NULL::VARCHAR AS raw WHERE FALSE`;
    }
    // read_text gives each text whole; positions come from splitting, so they are exact line numbers.
    // Each text's identity is looked up by position in literal lists rather than joined: a join
    // could choose the texts as its build side and hold them all in memory. One read per format,
    // so that no text is read twice.
    const texts = (format: TextInput['format']) => {
      const subset = inputs.filter((i) => i.format === format);
      if (subset.length === 0) return undefined;
      const list = (values: string[]) => `[${values.join(', ')}]`;
      const paths = list(subset.map((i) => literal(i.textPath)));
      const item = (values: string[]) => `${list(values)}[list_position(${paths}, t.filename)]`;
      return `(SELECT ${item(subset.map((i) => literal(i.journalFile)))} AS journal_file,
          CAST(${item(subset.map((i) => literal(i.journalDate)))} AS DATE) AS journal_date,
          ${item(subset.map((i) => String(i.firstLine)))}::BIGINT AS first_line, t.content
        FROM read_text(${paths}) t)`;
    };
    const parts: string[] = [];
    const ndjson = texts('ndjson');
    if (ndjson) {
      parts.push(`SELECT journal_file, journal_date, position, CASE WHEN suffix(line, chr(13)) THEN line[:-2] ELSE line END AS raw
        FROM (SELECT journal_file, journal_date, unnest(lines) AS line, unnest(range(first_line, first_line + len(lines))) AS position
              FROM (SELECT journal_file, journal_date, first_line, string_split(content, chr(10)) AS lines FROM ${ndjson} n) s) l
        WHERE NOT regexp_full_match(line, '[ \\t\\r]*')`);
    }
    const array = texts('array');
    if (array) {
      parts.push(`SELECT journal_file, journal_date, unnest(range(1, CAST(json_array_length(content) AS BIGINT) + 1)) AS position,
             unnest(json_extract(content, '$[*]'))::VARCHAR AS raw
        FROM ${array} a WHERE json_valid(content)
      UNION ALL
      SELECT journal_file, journal_date, 1 AS position, content AS raw FROM ${array} a WHERE NOT json_valid(content)`);
    }
    const document = texts('document');
    if (document) parts.push(`SELECT journal_file, journal_date, 1 AS position, content AS raw FROM ${document} d`);
    return parts.join('\nUNION ALL\n');
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
