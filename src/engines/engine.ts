/**
 * The seam between the fold (written once, in src/core) and the engines that execute it.
 * An engine runs SQL; its dialect renders the few expressions in which engines differ.
 */

export type Row = Record<string, unknown>;

/** A journal text file as an engine reads it. */
export interface TextInput {
  /** Path of the plain UTF-8 text, as the engine sees it. */
  textPath: string;
  /** Identity recorded in lineage (path relative to the journal folder). */
  journalFile: string;
  journalDate: string;
  format: 'ndjson' | 'array' | 'document';
  /** Line number, in the journal file, of the text's first line (a file may be read in pieces). */
  firstLine: number;
}

export interface SqlDialect {
  readonly name: string;
  quote(identifier: string): string;
  /** SQL type for a schema type or for the enrichment map. */
  sqlType(type: string): string;
  /**
   * Whether createTemp computes the relation at once (then relations it read may be dropped), or
   * lazily at first use (then they must live until the last statement that needs them has run).
   */
  readonly eagerTemps: boolean;
  /** A statement that materializes `select` as a temporary relation named `name`. */
  createTemp(name: string, select: string): string;
  dropTemp(name: string): string;
  /** A statement that names `select` as a temporary view, computed again by each reader. */
  createView(name: string, select: string): string;
  dropView(name: string): string;
  /** Statements that must run before `journalRecords` (e.g. registering the text files). */
  journalSetup(inputs: TextInput[]): string[];
  /**
   * A query yielding one row per record: `journal_file, journal_date (DATE), position (BIGINT), raw`,
   * per docs/SEMANTICS.md "Format of a file".
   */
  journalRecords(inputs: TextInput[]): string;
  /**
   * The rows of `records` (a `journalRecords` query) with, for each named field i, columns `t_i`
   * (one of missing, null, string, integer, number, boolean, object, array) and `s_i` (the
   * string's value, the number's text, or 'true'/'false'); plus booleans `is_json`, `is_object`.
   */
  probeJson(records: string, fields: string[]): string;
  /** A full-match regular expression test. */
  matches(expr: string, regex: string): string;
  /** Lowercase hex HMAC-SHA256 of the UTF-8 bytes of `expr`, from precomputed pads. */
  hmacSha256Hex(expr: string, innerPadHex: string, outerPadHex: string): string;
  /** A table expression reading every Parquet file below a directory. */
  readParquet(dir: string): string;
  /** A statement writing `select` as Parquet into the (new, empty) directory `dir`. */
  writeParquet(select: string, dir: string): string;
}

export interface Engine {
  readonly name: string;
  readonly dialect: SqlDialect;
  run(sql: string): Promise<void>;
  query(sql: string): Promise<Row[]>;
  /** Column names and engine types of a query's result. */
  columns(select: string): Promise<{ name: string; type: string }[]>;
  close(): Promise<void>;
}
