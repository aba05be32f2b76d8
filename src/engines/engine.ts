/**
 * The seam between the fold (written once, in src/core) and the engines that execute it.
 * An engine runs SQL; its dialect renders the few expressions in which engines differ.
 */

export type Row = Record<string, unknown>;

/**
 * A line-delimited UTF-8 text an engine reads: lines end with LF (a CR before it is dropped), each
 * non-blank line is one record, and its position is `firstLine` + its index (a file may be read in
 * pieces; a JSON document arrives as one line per record, see src/lake/journal-text.ts).
 */
export interface TextInput {
  /** Path of the text, as the engine reads it (see Engine.readPaths). */
  textPath: string;
  /** Identity recorded in lineage (path relative to the journal folder). */
  journalFile: string;
  journalDate: string;
  /** The file's place in the natural order of journal files (docs/SEMANTICS.md "Order"). */
  fileRank: number;
  /** Position, in the journal file, of the text's first line. */
  firstLine: number;
}

/**
 * How one engine spells SQL. Every piece of text that reaches SQL goes through `literal` (values,
 * paths), `identifier` (column and relation names) or `jsonPath` (a member name inside a record).
 */
export interface SqlDialect {
  readonly name: string;
  literal(text: string): string;
  identifier(name: string): string;
  /** The literal that addresses the top-level member `name` of a JSON object, exactly (any characters). */
  jsonPath(name: string): string;
  /** SQL type for a schema type or for the enrichment map. */
  sqlType(type: string): string;
  /**
   * Statements that compute `select` at once and keep it as a temporary relation named `name` (in
   * memory, or in files under `scratchDir`, a folder of the run's staging the engine may write to).
   */
  createTemp(name: string, select: string, scratchDir: string): string[];
  dropTemp(name: string): string;
  /** A statement that names `select` as a temporary view, computed again by each reader. */
  createView(name: string, select: string): string;
  dropView(name: string): string;
  /**
   * How the engine reads line-delimited journal files. `raw-files`: it is given each file itself (gzip
   * included, line ends as written, a leading byte order mark) and finds lines and their positions
   * itself, in parallel splits. `prepared-texts`: it is given texts the lake module prepared
   * (decompressed, line ends normalized to LF, large files cut into chunks at line ends).
   * `.json` documents always arrive prepared, as one line per record.
   */
  readonly journalReading: 'raw-files' | 'prepared-texts';
  /**
   * Statements that must run before `journalRecords` (e.g. reading the files once into `scratchDir`,
   * a new folder of the run's staging that the engine may write to).
   */
  journalSetup(inputs: TextInput[], scratchDir: string): string[];
  /**
   * For `raw-files`: a query over what `journalSetup` read giving `journal_file, position` of the first
   * line that is not valid UTF-8, if any (the engine reads files no module has checked).
   */
  invalidUtf8Query?(inputs: TextInput[], scratchDir: string): string;
  /** Temporary relations `journalSetup` makes, dropped with the fold's. */
  readonly journalTemps: readonly string[];
  /**
   * A query yielding one row per record: `journal_file, journal_date (DATE), file_rank (BIGINT),
   * position (BIGINT), raw`, per docs/SEMANTICS.md "Format of a file".
   */
  journalRecords(inputs: TextInput[], scratchDir: string): string;
  /**
   * The rows of `records` (a `journalRecords` query) with, for each named top-level member i,
   * columns `t_i` (one of missing, null, string, integer, number, boolean, object, array) and `s_i`
   * (the string's value, the number's text with the value written, digit for digit: an engine may respell
   * it, `1.50` as `1.5` or `0.00000000000001` as `1e-14`, never round it; or 'true'/'false'); plus booleans
   * `is_json` (strict RFC 8259, see docs/SEMANTICS.md), `is_object`, `duplicate_names` (a member
   * name appears twice at the top level).
   */
  probeJson(records: string, fields: string[]): string;
  /** Top-level member names of the JSON objects among `records` (a query with a `raw` column): `name, n`, most frequent first. */
  memberNamesQuery(records: string, limit: number): string;
  /**
   * The text of the JSON object `raw` (valid, no duplicate names) rebuilt from its tokens as written,
   * without whitespace between them, where each top-level member named in `drop` is left out and each
   * one named in `hash` keeps its name but has its value replaced by the JSON string `hash(value)`
   * (`value`: a string's decoded text, else the value's compact text; a null value stays null).
   */
  redactMembers(raw: string, drop: string[], hashed: string[], hash: (value: string) => string): string;
  /**
   * The rows of the query `select`, made dense for per-row work that costs per batch of rows (the few
   * rejected rows that a filter leaves scattered over the batches of a large table): an engine with
   * that cost gathers them (DuckDB sorts them by `order`), another returns `select` as it is.
   */
  denseRows(select: string, order: string[]): string;
  /**
   * The rows of the query `rows` whose column `key` is (`keep`) or is not (`!keep`) among the values of
   * the one-column query `keys` (never null). `broadcast`: the keys are sent to every task whole, so
   * that `rows` (a large version) is read as it lies, never shuffled; else both sides are partitioned by
   * key (a hash table per partition of the keys: linear at any size).
   */
  keyFilter(rows: string, keys: string, key: string, options: { keep: boolean; broadcast: boolean }): string;
  /** A hint, placed right after SELECT, that the relation `alias` of the join is small enough to send to every task ('' if the engine picks itself). */
  broadcastHint(alias: string): string;
  /**
   * `body` over `values` bound once each (`ref(name)` reads one), for work that few rows reach: an
   * engine that compiles a stage into one method (Spark) generates it apart, so that a long
   * expression for the rare row does not make the common rows' method too long to compile. Undefined:
   * the engine takes such work inline (the caller computes the values as columns).
   */
  rareBranch?(values: Record<string, string>, body: (ref: (name: string) => string) => string): string;
  /** A full-match regular expression test. */
  matches(expr: string, regex: string): string;
  /** Group `group` of the first match of `regex` in `expr`, '' when none. */
  regexpExtract(expr: string, regex: string, group: number): string;
  /** Every match of `regex` replaced (`replacement` refers to groups as \\1 in DuckDB, $1 in Spark: pass a dialect-neutral one without groups). */
  replaceRegex(expr: string, regex: string, replacement: string): string;
  /** Lowercase hex HMAC-SHA256 of the UTF-8 bytes of `expr`, from precomputed pads. */
  hmacSha256Hex(expr: string, innerPadHex: string, outerPadHex: string): string;
  /** A statement writing `select` as Parquet into the (new, empty) directory `dir`. */
  writeParquet(select: string, dir: string): string;
  /** A relation of literal rows (numbers are cast to the column's SQL type). */
  values(columns: { name: string; type: string }[], rows: (string | number)[][]): string;
}

export interface Engine {
  readonly name: string;
  readonly dialect: SqlDialect;
  run(sql: string): Promise<void>;
  query(sql: string): Promise<Row[]>;
  /** Column names and engine types of a query's result. */
  columns(select: string): Promise<{ name: string; type: string }[]>;
  /**
   * The paths under which this engine reads exactly the given files or folders (a folder: the files
   * it writes there, then reads back), whatever characters their names hold (an engine that reads
   * names as patterns gets aliases).
   */
  readPaths(paths: string[]): Promise<string[]>;
  /**
   * A table expression reading exactly these Parquet files, whatever characters their names hold, as
   * one relation (the engine spreads the files over its tasks by size; nothing read from folder names).
   */
  parquetFiles(paths: string[]): Promise<string>;
  close(): Promise<void>;
}
