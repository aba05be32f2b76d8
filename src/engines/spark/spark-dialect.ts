import type { SqlDialect, TextInput } from '../engine.js';
import { JSON_NUMBER, possessive } from '../json-lexicon.js';

/** The one way text becomes a Spark string literal: backslashes escape in Spark's default string syntax. */
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const identifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;
/** Hadoop expands `{a,b}`, `[…]`, `*`, `?` in read paths; a backslash makes each character literal. */
const literalPath = (p: string) => p.replace(/[{}[\]*?\\]/g, (c) => `\\${c}`);

const TYPES: Record<string, string> = {
  bigint: 'BIGINT',
  boolean: 'BOOLEAN',
  string: 'STRING',
  date: 'DATE',
  map: 'MAP<STRING, STRING>',
};

const textView = (i: number) => `subsnap_journal_text_${i}`;
const list = (values: string[]) => `array(${values.join(', ')})`;

// java.util.regex backtracks and recurses: possessive loops keep long strings from exhausting the stack.
const STRING = possessive('"(?:[^"\\\\]|\\\\[\\s\\S])*"');
const TOKEN = `${STRING}|[{}\\[\\]:,]|[^ \\t\\n\\r{}\\[\\]:,"]++`;
const TAG = `"(${possessive('(?:[^"\\\\]|\\\\[\\s\\S])*')})"|(${JSON_NUMBER})`;
/** A variant keeps numbers without an exponent and up to 38 digits exactly; others are read tagged. */
const NEEDS_EXACT = '[0-9][eE]|[0-9](?:\\.?[0-9]){38}';
/** Two backslashes (an escaped backslash in a JSON string), as a Java regex. */
const ESCAPED_BACKSLASH = '\\\\\\\\';
/** After removing escaped backslashes, a \uD800-\uDBFF escape not followed by a low one, or a low one alone. */
const LONE_SURROGATE = '\\\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\\\u[dD][89abAB][0-9a-fA-F]{2})\\\\u[dD][c-fC-F][0-9a-fA-F]{2}';

/**
 * The contract's JSON type of a variant value `v`. A variant keeps integer tokens as integer types and
 * anything with a fraction or exponent as DECIMAL or DOUBLE (`38.0` is not an integer). In the tagged
 * form (`tagged`) strings and numbers are both tagged strings, told apart by their last letter.
 */
const variantType = (v: string, s: string, tagged: boolean) => {
  const number = (text: string) =>
    `CASE WHEN ${text} RLIKE '^-?[0-9]+$' AND try_cast(${text} AS BIGINT) IS NOT NULL THEN 'integer' ELSE 'number' END`;
  const scalar = tagged
    ? `WHEN 'STRING' THEN CASE WHEN endswith(${s}, 'N') THEN 'string' ELSE ${number(`substr(${s}, 3)`)} END`
    : `WHEN 'STRING' THEN 'string' WHEN 'TINYINT' THEN 'integer' WHEN 'SMALLINT' THEN 'integer' WHEN 'INT' THEN 'integer' WHEN 'BIGINT' THEN 'integer'`;
  return `CASE WHEN ${v} IS NULL THEN 'missing' ELSE CASE regexp_extract(schema_of_variant(${v}), '^[A-Z]+', 0)
    ${scalar} WHEN 'VOID' THEN 'null' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array'
    ELSE 'number' END END`;
};
/** The text of a tagged value: a string's own text, a number's text; booleans and containers as they are. */
const taggedText = (v: string, s: string) => `CASE WHEN schema_of_variant(${v}) <> 'STRING' THEN ${s}
  WHEN endswith(${s}, 'N') THEN substr(${s}, 2, length(${s}) - 2) ELSE substr(${s}, 3) END`;

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
  // Cached lazily: nothing runs until the Parquet write needs it, then each relation is computed
  // once and reused by the counts, instead of one Spark job per statement.
  eagerTemps: false,
  createTemp: (name, select) => `CACHE LAZY TABLE ${identifier(name)} AS ${select}`,
  dropTemp: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,
  createView: (name, select) => `CREATE OR REPLACE TEMP VIEW ${identifier(name)} AS ${select}`,
  dropView: (name) => `DROP VIEW IF EXISTS ${identifier(name)}`,

  // Whole texts as one value each (Spark's line reader gives no line numbers); paths are never patterns.
  // Duplicate member names parse (the fold rejects those at the top level itself; nested ones are not read).
  journalSetup: (inputs) => [
    'SET spark.sql.variant.allowDuplicateKeys=true',
    ...inputs.map((input, i) =>
      `CREATE OR REPLACE TEMPORARY VIEW ${textView(i)} USING text OPTIONS (path ${literal(input.textPath)}, wholetext 'true', __globPaths__ 'false')`),
  ],

  journalRecords(inputs: TextInput[]) {
    if (inputs.length === 0) {
      return `SELECT CAST(NULL AS STRING) AS journal_file, CAST(NULL AS DATE) AS journal_date, CAST(NULL AS BIGINT) AS file_rank,
        CAST(NULL AS BIGINT) AS position, CAST(NULL AS STRING) AS raw WHERE FALSE`;
    }
    const texts = inputs
      .map((input, i) => `SELECT ${literal(input.journalFile)} AS journal_file, DATE ${literal(input.journalDate)} AS journal_date,
          CAST(${input.fileRank} AS BIGINT) AS file_rank, CAST(${input.firstLine} AS BIGINT) AS first_line, value AS content FROM ${textView(i)}`)
      .join('\nUNION ALL\n');
    return `SELECT journal_file, journal_date, file_rank, position,
             CASE WHEN endswith(line, '\\r') THEN substring(line, 1, length(line) - 1) ELSE line END AS raw
      FROM (SELECT journal_file, journal_date, file_rank, first_line + p.pos AS position, p.line
            FROM (${texts}) t LATERAL VIEW posexplode(split(content, '\\n', -1)) p AS pos, line) n
      WHERE NOT line RLIKE '^[ \\\\t\\\\r]*$'`;
  },

  probeJson(records, fields) {
    // One strict parse per record: Spark's variant parser refuses what RFC 8259 refuses but lone
    // surrogates (checked by expression) and text after the value, which the array wrapper catches
    // (an unbalanced `]` that would close it early is caught by an object wrapper).
    const probes = fields.map((f, i) => {
      const [pv, tv] = [`m[${literal(f)}]`, `m[${literal(`S${f}N`)}]`];
      const [ps, ts] = [`variant_get(${pv}, '$', 'string')`, `variant_get(${tv}, '$', 'string')`];
      return `CASE WHEN exact THEN ${variantType(pv, ps, false)} ELSE ${variantType(tv, ts, true)} END AS t_${i},
        CASE WHEN exact THEN ${ps} ELSE ${taggedText(tv, ts)} END AS s_${i}`;
    }).join(',\n');
    const wellFormed = `try_variant_get(d, '$[1]', 'variant') IS NULL
      AND (instr(raw, ']') = 0 OR json_object_keys(concat('{"k":', raw, '}')) IS NOT NULL)
      AND NOT (instr(lower(raw), ${literal('\\ud')}) > 0 AND regexp_replace(raw, ${literal(ESCAPED_BACKSLASH)}, '') RLIKE ${literal(LONE_SURROGATE)})`;
    const keys = 'json_object_keys(raw)';
    return `SELECT *, ${probes},
        CASE WHEN is_object THEN size(${keys}) <> size(array_distinct(${keys})) ELSE FALSE END AS duplicate_names
      FROM (SELECT *, is_json AND m IS NOT NULL AS is_object
            FROM (SELECT *, d IS NOT NULL AND ${wellFormed} AS is_json, try_variant_get(d, '$[0]', 'map<string,variant>') AS m
                  FROM (SELECT *, try_parse_json(concat('[', CASE WHEN exact THEN raw ELSE regexp_replace(raw, ${literal(TAG)}, '"S$1N$2"') END, ']')) AS d
                        FROM (SELECT r.*, NOT r.raw RLIKE ${literal(NEEDS_EXACT)} AS exact FROM (${records}) r) a) b) c) e`;
  },

  memberNamesQuery: (records, limit) =>
    `SELECT name, COUNT(*) AS n FROM (SELECT explode(json_object_keys(raw)) AS name FROM (${records}) r
       WHERE try_parse_json(raw) IS NOT NULL) k GROUP BY name ORDER BY COUNT(*) DESC, name LIMIT ${Math.trunc(limit)}`,

  redactMembers(raw, drop, hashed, hash) {
    // Tokens as written; depth before each token; the root object's own commas cut it into members.
    const tokens = `regexp_extract_all(${raw}, ${literal(TOKEN)}, 0)`;
    const depth = `transform(tk, (x, k) -> aggregate(slice(tk, 1, k), 0,
      (acc, y) -> acc + CASE WHEN y IN ('{', '[') THEN 1 WHEN y IN ('}', ']') THEN -1 ELSE 0 END))`;
    const bounds = `concat(array(0), filter(sequence(0, size(tk) - 1), k -> tk[k] = ',' AND dp[k] = 1), array(size(tk) - 1))`;
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
    // `transform(array(v), name -> …)[0]` binds v to a name without a subquery.
    const joined = `concat('{', array_join(filter(transform(sequence(0, size(bd) - 2),
        i -> ${member('slice(tk, bd[i] + 2, bd[i + 1] - bd[i] - 1)')}), x -> x IS NOT NULL), ','), '}')`;
    return `transform(array(${tokens}), tk -> transform(array(${depth}), dp -> transform(array(${bounds}), bd -> ${joined})[0])[0])[0]`;
  },

  matches: (expr, regex) => `(${expr} RLIKE ${literal(`^(?:${regex})$`)})`,
  regexpExtract: (expr, regex, group) => `regexp_extract(${expr}, ${literal(regex)}, ${group})`,
  replaceRegex: (expr, regex, replacement) => `regexp_replace(${expr}, ${literal(regex)}, ${literal(replacement)})`,

  hmacSha256Hex: (expr, inner, outer) =>
    `sha2(concat(unhex(${literal(outer)}), unhex(sha2(concat(unhex(${literal(inner)}), encode(${expr}, 'UTF-8')), 256))), 256)`,

  readParquetFiles(files) {
    if (files.length === 0) throw new Error('readParquetFiles needs at least one file');
    // One relation per file: a file path names no partition folders, and its characters are literal.
    return `(${files.map((f) => `SELECT * FROM parquet.${identifier(literalPath(f))}`).join(' UNION ALL ')})`;
  },

  writeParquet: (select, dir) => `INSERT OVERWRITE DIRECTORY ${literal(dir)} USING parquet ${select}`,

  values(columns, rows) {
    const names = columns.map((c) => identifier(c.name)).join(', ');
    if (rows.length === 0) return `(SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${identifier(c.name)}`).join(', ')} WHERE FALSE)`;
    const cell = (value: string | number, type: string) => (typeof value === 'number' ? `CAST(${value} AS ${type})` : literal(value));
    return `(SELECT * FROM VALUES ${rows.map((r) => `(${r.map((v, i) => cell(v, columns[i]!.type)).join(', ')})`).join(', ')} AS v(${names}))`;
  },
};
