/**
 * The fold of docs/SEMANTICS.md as a sequence of SQL statements, rendered through an engine's
 * dialect. This is the one place where the snapshot semantics are written down as code.
 */
import type { SqlDialect, TextInput } from '../engines/engine.js';
import { decimalPartColumns, decimalPlainColumn, exactDecimal } from './decimal-text.js';
import type { Policies } from './policies.js';
import { decimalShape, LINEAGE_COLUMNS, type FieldSpec, type RecordSchema } from './record-schema.js';

export interface FileOrder {
  journalFile: string;
  journalDate: string;
  rank: number;
}

export interface FoldPlan {
  schema: RecordSchema;
  policies: Policies;
  /** HMAC pads for `pii: hash`. */
  piiPads?: { innerHex: string; outerHex: string };
  inputs: TextInput[];
  /**
   * The natural order of every journal file of the dates this run folds, those folded before
   * included: how a record compares with a row of the previous version on the same date.
   */
  fileOrder: FileOrder[];
  /** A table expression over the current version's Parquet files (Engine.parquetFiles); absent on the first run. */
  previousTable?: string;
  /** A table expression over the catalog's Parquet files (Engine.parquetFiles). */
  catalogTable: string;
  /** A folder of the run's staging the engine may write scratch files to. */
  scratchDir: string;
  /**
   * Whether the day's keys are broadcast to filter the previous version (no shuffle of it), or both
   * sides are partitioned by key (a day too large to broadcast). Default: broadcast.
   */
  broadcastKeys?: boolean;
  /** Counts of the previous version its commit recorded (its unmatched rows only while they still hold): no pass computes them. */
  previousCounts?: { rows: number; unmatched?: number };
}

/** The previous row's columns that deciding a key needs (all fields under `coalesce`: they fill nulls). */
function decidedColumns(fields: string[], policies: Policies, join: string, orderField: string | undefined): string[] {
  if (policies.nulls === 'coalesce' || policies.duplicates === 'reject') return fields;
  return [...new Set([join, ...(orderField ? [orderField] : [])])];
}

/** Non-key fields kept in the snapshot under the plan's PII policy. */
export function storedFields(schema: RecordSchema, policies: Policies): FieldSpec[] {
  return schema.fields.filter((f) => policies.pii !== 'drop' || !schema.pii.includes(f.name));
}

/**
 * Temporary relations the statements materialize, in order; dropped afterwards: the records read
 * once (`lines`: a view over the engine's own staged copy of the journal when it makes one), checked
 * once, the day's candidates and the decided rows (under coalesce or reject also `matched`, listed
 * with the views below).
 */
export const FOLD_RELATIONS = ['lines', 'checked', 'candidates', 'decided'] as const;
/**
 * Views the statements define, each read once or cheap to read again: the natural order of the
 * dates' files, the accepted records, the previous rows of the day's keys (under coalesce or reject
 * read again by the candidates, so staged like the relations above, and dropped the same way), the
 * rejected records, and
 * the new state, which is as large as the snapshot and so never materialized (the write streams it
 * from the previous version and `decided`).
 */
export const FOLD_VIEWS = ['file_order', 'valid', 'matched', 'rejected', 'next_state'] as const;
/**
 * Relations the snapshot's write does not read (next_state reads decided): dropped before it, so that
 * no statement after it can name them (their staged files stay until the run's staging is removed;
 * a view that kept its analyzed plan over them still reads those files, and none is read after it).
 */
export const FOLD_RELATIONS_DONE_BEFORE_WRITE = ['lines', 'checked', 'candidates'] as const;

const ORDER = { last: 'DESC', first: 'ASC', reject: 'DESC' } as const;
const DATE_TEXT = '[0-9]{4}-[0-9]{2}-[0-9]{2}';

/** The records of `checked` (as `alias`) the checks refused: rejected under every policy (and counted so by countsQuery). */
const refusedByChecks = (alias: string) => `NOT ${alias}.accepted`;

/** Reasons of the record-level checks that come before any field (docs/SEMANTICS.md "Record validation"). */
export const RECORD_REASONS = { malformed: 'malformed JSON', notObject: 'not a JSON object', duplicateNames: 'duplicate member name' } as const;

export function foldStatements(d: SqlDialect, plan: FoldPlan): string[] {
  const { schema, policies } = plan;
  const q = (n: string) => d.identifier(n);
  const key = q(schema.key);
  const fields = storedFields(schema, policies);
  const probed = [schema.key, ...schema.fields.map((f) => f.name)];
  const idx = (name: string) => probed.indexOf(name);
  const lineage = LINEAGE_COLUMNS.map(q);
  const [jDate, jFile, jLine] = lineage as [string, string, string];
  const stateColumns = [key, ...fields.map((f) => q(f.name)), ...lineage];
  const statements: string[] = [];

  const temp = (name: string, select: string) => d.createTemp(name, select, plan.scratchDir);
  statements.push(d.createView('file_order', d.values(
    [{ name: 'journal_file', type: d.sqlType('string') }, { name: 'journal_date', type: d.sqlType('string') }, { name: 'file_rank', type: d.sqlType('bigint') }],
    plan.fileOrder.map((f) => [f.journalFile, f.journalDate, f.rank]),
  )));
  // The records' text is materialized first (by the engine's own journal cache, or here): probing and
  // checking then run in parallel over it.
  const lines = d.journalRecords(plan.inputs, plan.scratchDir);
  statements.push(...d.journalSetup(plan.inputs, plan.scratchDir), ...(d.journalTemps.length ? [d.createView('lines', lines)] : temp('lines', lines)));

  // Each field's typed value x_i (NULL when absent or of the wrong type) and whether it is valid.
  const all = [{ name: schema.key, type: 'bigint' as const }, ...schema.fields];
  const decimals = all.map((f, i) => ({ i, shape: decimalShape(f.type) })).filter((x) => x.shape);
  const typedValue = (f: FieldSpec, i: number) => {
    switch (f.type) {
      case 'boolean':
        return `CASE WHEN t_${i} = 'boolean' THEN s_${i} = 'true' END`;
      case 'string':
        return `CASE WHEN t_${i} = 'string' THEN s_${i} END`;
      case 'bigint':
        return `CASE WHEN t_${i} = 'integer' THEN TRY_CAST(s_${i} AS BIGINT) END`;
      case 'date':
        // Four-digit years from 0001: what a lenient cast would also take (20230-01-01, year 0) is refused.
        return `CASE WHEN t_${i} = 'string' AND ${d.matches(`s_${i}`, DATE_TEXT)} AND NOT s_${i} LIKE '0000-%' THEN TRY_CAST(s_${i} AS DATE) END`;
      default: {
        const { precision, scale } = decimalShape(f.type)!;
        return exactDecimal(d, i, precision, scale);
      }
    }
  };
  const absent = (i: number) => `t_${i} IN ('missing', 'null')`;
  const fieldOk = (f: FieldSpec, i: number) =>
    f.type === 'date'
      ? `(${absent(i)} OR (x_${i} IS NOT NULL AND CAST(x_${i} AS STRING) = s_${i}))`
      : `(${absent(i)} OR x_${i} IS NOT NULL)`;
  const label = (name: string, text: string) => d.literal(`${name}: ${text}`);
  const interval = schema.interval && { ...schema.interval, a: idx(schema.interval.start), b: idx(schema.interval.end) };
  // Both interval ends valid and the end before the start, over the columns as `c` reads them.
  const endBeforeStart = ({ a, b }: { a: number; b: number }, c: (name: string) => string) =>
    `(${c(`ok_${a}`)} AND ${c(`ok_${b}`)} AND ${c(`x_${b}`)} < ${c(`x_${a}`)})`;
  // A rejected record's problems, each field's in schema order, over its columns as `c` reads them.
  const problemsOver = (c: (name: string) => string) => {
    const shown = (i: number) => `CASE WHEN ${c(`t_${i}`)} = 'integer' THEN 'number' ELSE ${c(`t_${i}`)} END`;
    const fieldProblem = (f: FieldSpec, i: number) => {
      const wrongType = `concat(${label(f.name, `expected ${f.type}, got `)}, ${shown(i)})`;
      const expectedJson = { boolean: `'boolean'`, string: `'string'`, bigint: `'integer'`, date: `'string'` }[f.type as string] ?? `'integer', 'number'`;
      const badValue = f.type === 'date' ? label(f.name, 'invalid date') : label(f.name, `not a ${f.type}`);
      return `CASE WHEN ${c(`ok_${i}`)} THEN NULL WHEN ${c(`t_${i}`)} NOT IN (${expectedJson}) THEN ${wrongType} ELSE ${badValue} END`;
    };
    const problems = [
      `CASE WHEN ${c('t_0')} = 'missing' THEN ${label(schema.key, 'missing')} WHEN ${c('t_0')} = 'null' THEN ${label(schema.key, 'null')}
        WHEN ${c('x_0')} IS NULL THEN concat(${label(schema.key, 'expected integer, got ')}, ${shown(0)}) END`,
      ...schema.fields.map((f) => fieldProblem(f, idx(f.name))),
    ];
    if (interval) problems.push(`CASE WHEN ${endBeforeStart(interval, c)} THEN ${d.literal(`${interval.end} before ${interval.start}`)} END`);
    return `concat_ws('; ', ${problems.join(',\n')})`;
  };
  const problemColumns = [
    't_0', 'x_0',
    ...schema.fields.flatMap((f) => [`t_${idx(f.name)}`, `ok_${idx(f.name)}`]),
    ...(interval ? [`x_${interval.a}`, `x_${interval.b}`] : []),
  ];
  const problems = d.rareBranch
    ? d.rareBranch(Object.fromEntries(problemColumns.map((name) => [name, name])), problemsOver)
    : problemsOver((name) => name);
  const oks = ['x_0 IS NOT NULL', ...schema.fields.map((f) => `ok_${idx(f.name)}`)];
  if (interval) oks.push(`NOT COALESCE(${endBeforeStart(interval, (name) => name)}, FALSE)`);
  // Typed values, validity and, for the rejected few only, the reasons, in one pass over the records.
  const plainNumbers = decimals.map(({ i, shape }) => decimalPlainColumn(d, i, shape!.precision, shape!.scale));
  const decimalParts = decimals.flatMap(({ i }) => decimalPartColumns(d, i));
  const withColumns = (columns: string[], from: string, alias: string) =>
    columns.length ? `(SELECT *, ${columns.join(', ')} FROM ${from} ${alias})` : from;
  const numbers = withColumns(decimalParts, withColumns(plainNumbers, `(${d.probeJson('SELECT * FROM lines', probed)})`, 'p'), 'n');
  const validated = `(SELECT *, COALESCE(is_object AND NOT duplicate_names AND ${oks.join(' AND ')}, FALSE) AS accepted
    FROM (SELECT *, ${schema.fields.map((f) => `${fieldOk(f, idx(f.name))} AS ok_${idx(f.name)}`).join(', ')}
      FROM (SELECT *, ${all.map((f, i) => `${typedValue(f, i)} AS x_${i}`).join(', ')} FROM ${numbers} r) o) q) v`;
  const reason = `CASE WHEN accepted THEN NULL WHEN NOT COALESCE(is_json, FALSE) THEN ${d.literal(RECORD_REASONS.malformed)}
      WHEN NOT is_object THEN ${d.literal(RECORD_REASONS.notObject)} WHEN duplicate_names THEN ${d.literal(RECORD_REASONS.duplicateNames)}
      ELSE ${problems} END`;
  // The text is kept for the quarantine only (and for `reject`, whose conflicts may quarantine accepted
  // records), with what the PII policy does to it decided in this same pass (see quarantineSelect).
  const keptRaw = policies.duplicates === 'reject' ? 'raw' : 'CASE WHEN accepted THEN NULL ELSE raw END';
  const piiPresent = schema.pii.map((name) => `t_${idx(name)} <> 'missing'`).join(' OR ') || 'FALSE';
  const rawPii = `CASE ${policies.duplicates === 'reject' ? '' : 'WHEN accepted THEN NULL '}WHEN NOT COALESCE(is_object, FALSE) OR duplicate_names THEN 'none'
    WHEN ${piiPresent} THEN 'redact' ELSE 'keep' END`;
  statements.push(
    ...temp(
      'checked',
      `SELECT journal_file, journal_date, file_rank, position, ${all.map((_, i) => `x_${i}`).join(', ')}, accepted,
          ${reason} AS reason, ${keptRaw} AS raw, ${rawPii} AS raw_pii
       FROM ${validated}`,
    ),
  );

  const typed = (f: FieldSpec) => {
    let expr = `x_${idx(f.name)}`;
    if (policies.pii === 'hash' && schema.pii.includes(f.name)) {
      if (!plan.piiPads) throw new Error('pii policy hash needs the key pads');
      expr = d.hmacSha256Hex(expr, plan.piiPads.innerHex, plan.piiPads.outerHex);
    }
    return `${expr} AS ${q(f.name)}`;
  };
  statements.push(
    d.createView(
      'valid',
      `SELECT x_0 AS ${key}, ${fields.map(typed).join(', ')},
        journal_date AS ${jDate}, journal_file AS ${jFile}, position AS ${jLine}, file_rank
       FROM checked WHERE accepted`,
    ),
  );

  // One candidate per key: its records in priority order (newest date first, then the duplicates
  // policy within a date), the first taken whole (overwrite) or filling nulls field by field (coalesce).
  const dir = ORDER[policies.duplicates];
  const fieldNames = fields.map((f) => q(f.name));
  // Under reject, the (key, date) groups in conflict: their records differ among themselves, or from
  // the key's row of that date (whether or not the date is the key's newest in the run).
  const reject = policies.duplicates === 'reject';
  const conflictGroups = reject
    ? `SELECT ${key} AS g_key, ${jDate} AS g_date FROM valid GROUP BY ${key}, ${jDate}
         HAVING ${fieldNames.map((f) => `COUNT(DISTINCT ${f}) > 1 OR (COUNT(${f}) > 0 AND COUNT(${f}) < COUNT(*))`).join(' OR ') || 'FALSE'}
       UNION
       SELECT v.${key}, v.${jDate} FROM valid v JOIN matched p ON p.${key} = v.${key} AND p.${jDate} = v.${jDate}
         WHERE NOT (${fieldNames.map((f) => `v.${f} IS NOT DISTINCT FROM p.${f}`).join(' AND ') || 'TRUE'})`
    : undefined;
  // Order within a day: the order field (null first), then the file's natural order, then the position.
  const orderField = schema.orderField ? q(schema.orderField) : undefined;
  const byOrderField = orderField ? `${orderField} ${dir} NULLS ${dir === 'DESC' ? 'LAST' : 'FIRST'}, ` : '';
  // The previous version's rows (none on a first run: an empty relation of the same columns, from a
  // relation that is still there when the query runs).
  const previousFrom = (emptyLike: string) => plan.previousTable
    ? `SELECT ${stateColumns.join(', ')} FROM ${plan.previousTable}`
    : `SELECT ${stateColumns.map((c) => `p.${c}`).join(', ')} FROM ${emptyLike} p WHERE FALSE`;
  // The previous rows of the keys this run decides: one narrow pass over the previous version, the
  // keys broadcast (no shuffle of the previous version while they fit one). A view read once by
  // `decided`; under coalesce (a record that loses to its key's row contributes nothing) and under
  // reject (a record that differs from its key's row of its date is a conflict) the candidates read
  // them too, so they are read once into a relation of their own, before the candidates.
  const broadcast = plan.broadcastKeys ?? true;
  const coalesce = policies.nulls === 'coalesce';
  const matchedFirst = coalesce || reject;
  const matched = (keysOf: string) => d.keyFilter(
    `SELECT ${[key, ...decidedColumns(fieldNames, policies, q(schema.joinField), orderField), ...lineage].join(', ')} FROM (${previousFrom(keysOf)}) pv`,
    `SELECT ${key} FROM ${keysOf}`, schema.key, { keep: true, broadcast });
  const matchedWithRank = `(SELECT pp.*, fo.file_rank FROM matched pp
         LEFT JOIN file_order fo ON fo.journal_file = pp.${jFile} AND fo.journal_date = CAST(pp.${jDate} AS STRING))`;
  if (matchedFirst) statements.push(...temp('matched', matched('valid')));
  // Whether a (a candidate c or a record v) comes after b (row p) of the same date: (order field, file
  // rank, position), null lowest. A candidate `c` is ordered by its own record's order value
  // (`own_order` under coalesce, where the stored one may be filled from another record).
  const orderOf = (alias: string) => (coalesce && alias === 'c' ? `${alias}.own_order` : `${alias}.${orderField}`);
  const after = (a: string, b: string) => {
    const byFile = `(${a}.file_rank > ${b}.file_rank OR (${a}.file_rank = ${b}.file_rank AND ${a}.${jLine} > ${b}.${jLine}))`;
    if (!orderField) return byFile;
    const [ao, bo] = [orderOf(a), orderOf(b)];
    return `((${ao} IS NOT NULL AND (${bo} IS NULL OR ${ao} > ${bo})) OR ((${ao} = ${bo} OR (${ao} IS NULL AND ${bo} IS NULL)) AND ${byFile}))`;
  };

  // Under coalesce, whether each record comes after its key's row (its date newer; of its date, after it
  // in the policy's order; under reject every record of its date that is left: those that differ from
  // the row are conflicts, left out): one that does not loses to the row and fills no null. (Those
  // that do are the first in priority: when the first loses, all do, and decided ignores the key's
  // candidate.)
  const sameDateKept = { last: after('v', 'p'), first: after('p', 'v'), reject: 'TRUE' }[policies.duplicates];
  const withBeats = `(SELECT v.*, COALESCE(p.${key} IS NULL OR v.${jDate} > p.${jDate} OR (v.${jDate} = p.${jDate} AND ${sameDateKept}), FALSE) AS beats_row
    FROM valid v LEFT JOIN ${matchedWithRank} p ON p.${key} = v.${key})`;
  // Priority of a key's records: newest journal date first, then the duplicates policy within a date.
  const ranked = `SELECT *, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${jDate} DESC, ${byOrderField}file_rank ${dir}, ${jLine} ${dir}) AS rn
    FROM ${coalesce ? withBeats : 'valid'} v
    ${conflictGroups ? `WHERE NOT EXISTS (SELECT 1 FROM (${conflictGroups}) g WHERE g.g_key = v.${key} AND g.g_date = v.${jDate})` : ''}`;
  // overwrite: the first record in priority; coalesce: per field, the first non-null value in priority
  // among the records that beat the key's row (lineage and own order value: the first record's).
  statements.push(
    ...temp(
      'candidates',
      coalesce
        ? `SELECT ${key}, ${fieldNames.map((f) => `MIN_BY(${f}, rn) FILTER (WHERE ${f} IS NOT NULL AND beats_row) AS ${f}`).join(', ')},
             ${[...lineage, 'file_rank'].map((l) => `MIN_BY(${l}, rn) AS ${l}`).join(', ')}${orderField
               // The first record's own value, NULL included (MIN_BY passes over a NULL value in DuckDB).
               ? `, MAX(CASE WHEN rn = 1 THEN ${orderField} END) AS own_order` : ''}
           FROM (${ranked}) x GROUP BY ${key}`
        : `SELECT ${stateColumns.join(', ')}, file_rank FROM (${ranked}) x WHERE rn = 1`,
    ),
  );

  if (!matchedFirst) statements.push(d.createView('matched', matched('candidates')));
  const sameDateAction = {
    last: `CASE WHEN ${after('c', 'p')} THEN 'replace' ELSE 'ignore' END`,
    first: `CASE WHEN ${after('p', 'c')} THEN 'replace' ELSE 'ignore' END`,
    reject: `CASE WHEN ${fieldNames.map((f) => `c.${f} IS NOT DISTINCT FROM p.${f}`).join(' AND ') || 'TRUE'} THEN 'ignore' ELSE 'conflict' END`,
  }[policies.duplicates];
  const merged = (f: string) => (coalesce ? `COALESCE(c.${f}, p.${f})` : `c.${f}`);
  // Whether each decided row's join value, and the one of the row it replaces, is in the catalog: the
  // counts of unmatched subscriptions follow from these (countsQuery), computed in this same pass. The
  // catalog lists each value once (checkCatalog); were it not so, rows would multiply and the key
  // counts (checkKeyCounts) fail the run.
  const join = q(schema.joinField);
  const catalogKeys = `(SELECT ${join} FROM ${plan.catalogTable})`;
  statements.push(
    ...temp(
      'decided',
      `SELECT ${d.broadcastHint('k1')}${d.broadcastHint('k2')}x.*, k1.${join} IS NOT NULL AS join_known, k2.${join} IS NOT NULL AS previous_join_known
       FROM (SELECT ${broadcast ? d.broadcastHint('p') : ''}c.${key}, ${fieldNames.map((f) => `CASE WHEN p.${key} IS NULL THEN c.${f} ELSE ${merged(f)} END AS ${f}`).join(', ')},
         ${lineage.map((l) => `c.${l}`).join(', ')}, p.${q(schema.joinField)} AS previous_join,
         CASE WHEN p.${key} IS NULL THEN 'insert'
              WHEN c.${jDate} > p.${jDate} THEN 'replace'
              WHEN c.${jDate} < p.${jDate} THEN 'ignore'
              ELSE ${sameDateAction} END AS action
       FROM candidates c LEFT JOIN ${matchedWithRank} p
       ON c.${key} = p.${key}) x
       LEFT JOIN ${catalogKeys} k1 ON k1.${join} = x.${join}
       LEFT JOIN ${catalogKeys} k2 ON k2.${join} = x.previous_join`,
    ),
  );

  const conflictReason = (k: string, date: string) =>
    `concat(${d.literal(`conflicting duplicates for ${schema.key} `)}, CAST(${k} AS STRING), ' on ', CAST(${date} AS STRING))`;
  const rejectedParts = [`SELECT journal_file, journal_date, position, reason, raw, raw_pii FROM checked c WHERE ${refusedByChecks('c')}`];
  if (conflictGroups) {
    // Every record of a conflicting group, and of a group that conflicts with the row already folded.
    rejectedParts.push(
      `SELECT c.journal_file, c.journal_date, c.position, ${conflictReason(`v.${key}`, `v.${jDate}`)} AS reason, c.raw, c.raw_pii
       FROM valid v JOIN checked c ON c.journal_file = v.${jFile} AND c.position = v.${jLine}
       WHERE EXISTS (SELECT 1 FROM (${conflictGroups}) g WHERE g.g_key = v.${key} AND g.g_date = v.${jDate})
          OR EXISTS (SELECT 1 FROM decided x WHERE x.action = 'conflict' AND x.${key} = v.${key} AND x.${jDate} = v.${jDate})`,
    );
  }
  statements.push(d.createView('rejected', rejectedParts.join('\nUNION ALL\n')));

  // The new state streams from the previous version: rows whose key this run inserts or replaces are
  // left out (their keys broadcast), the decided rows are added.
  const changed = `SELECT ${key} FROM decided WHERE action IN ('insert', 'replace')`;
  statements.push(
    d.createView(
      'next_state',
      `SELECT ${stateColumns.join(', ')}, FALSE AS is_new, FALSE AS is_updated
         FROM (${d.keyFilter(previousFrom('decided'), changed, schema.key, { keep: false, broadcast })}) p
       UNION ALL
       SELECT ${stateColumns.join(', ')}, action = 'insert' AS is_new, action = 'replace' AS is_updated
         FROM decided WHERE action IN ('insert', 'replace')`,
    ),
  );
  return statements;
}

/** The snapshot rows of the new version: state, enrichment, lineage. */
export function outputSelect(d: SqlDialect, plan: Pick<FoldPlan, 'schema' | 'policies' | 'catalogTable'>, enrichment: string[]): string {
  const q = (n: string) => d.identifier(n);
  const join = q(plan.schema.joinField);
  const fields = storedFields(plan.schema, plan.policies).map((f) => `n.${q(f.name)}`);
  return `SELECT n.${q(plan.schema.key)}, ${fields.join(', ')}, ${enrichment.map((c) => `k.${q(c)}`).join(', ')},
      ${LINEAGE_COLUMNS.map((l) => `n.${q(l)}`).join(', ')}
    FROM next_state n LEFT JOIN ${plan.catalogTable} k ON n.${join} = k.${join}`;
}

/**
 * The run's counts, without a pass over the new state: the new state is the previous version with
 * `decided`'s inserts and replacements applied, so its size and its unmatched rows follow from the
 * previous version's commit (its row count always, its unmatched rows while the catalog is the one it
 * was enriched with, else one narrow pass over its join column) and `decided`. The records' and the
 * decided rows' counts come from one aggregation over both (one pass each; under `duplicates:
 * reject` the rejected records, whole conflicting groups among them, are counted from the `rejected`
 * view, which reads `checked` and `decided` again); the same query gives what
 * the uniqueness check needs (see checkKeyCounts). A previous version whose files no longer hold the
 * rows its commit records shows in the written row count (checkWrittenRows).
 */
export function countsQuery(d: SqlDialect, plan: FoldPlan): string {
  const join = d.identifier(plan.schema.joinField);
  const key = d.identifier(plan.schema.key);
  const catalog = `(SELECT DISTINCT ${join} FROM ${plan.catalogTable})`;
  const unmatched = (column: string) => `NOT EXISTS (SELECT 1 FROM ${catalog} k WHERE k.${join} = ${column})`;
  const count = (condition: string) => `COUNT(CASE WHEN ${condition} THEN 1 END)`;
  const previous = (table: string | undefined, known: FoldPlan['previousCounts']) => {
    if (!table) return `0 AS previous_rows, 0 AS previous_unmatched`;
    if (!known) throw new Error('the counts need the previous version\'s row count from its commit');
    const previousUnmatched = known.unmatched !== undefined
      ? `CAST(${Math.trunc(known.unmatched)} AS BIGINT)`
      : `(SELECT COUNT(*) FROM ${table} p WHERE ${unmatched(`p.${join}`)})`;
    return `CAST(${Math.trunc(known.rows)} AS BIGINT) AS previous_rows, ${previousUnmatched} AS previous_unmatched`;
  };
  // Under `reject` the rejected records are more than the checks refused (whole conflicting groups).
  const rejected = plan.policies.duplicates === 'reject' ? '(SELECT COUNT(*) FROM rejected)' : count(`r.from_checked AND ${refusedByChecks('r')}`);
  return `SELECT
      ${count('r.from_checked')} AS input_records,
      ${rejected} AS rejected_records,
      ${previous(plan.previousTable, plan.previousCounts)},
      ${count('NOT r.from_checked')} AS decided_rows,
      COUNT(DISTINCT r.k) AS decided_keys,
      COUNT(r.k) AS decided_present_keys,
      ${count(`r.action = 'insert'`)} AS inserted,
      ${count(`r.action = 'replace'`)} AS updated,
      ${count(`r.action = 'replace' AND NOT r.previous_join_known`)} AS replaced_unmatched,
      ${count(`r.action IN ('insert', 'replace') AND NOT r.join_known`)} AS changed_unmatched
    FROM (SELECT FALSE AS from_checked, FALSE AS accepted, x.${key} AS k, x.action, x.join_known, x.previous_join_known FROM decided x
          UNION ALL
          SELECT TRUE, c.accepted, NULL, NULL, NULL, NULL FROM checked c) r`;
}

/** The rejected records, or those of one journal date (`YYYY-MM-DD`). */
export function rejectedOf(d: SqlDialect, day?: string): string {
  return `SELECT * FROM rejected${day === undefined ? '' : ` WHERE CAST(journal_date AS STRING) = ${d.literal(day)}`}`;
}

/** Rejected records by reason (the reasons of one record joined by '; ' count as one reason text), of one journal date if given. */
export function rejectReasonsQuery(d: SqlDialect, limit: number, day?: string): string {
  return `SELECT reason, COUNT(*) AS n FROM (${rejectedOf(d, day)}) r GROUP BY reason ORDER BY COUNT(*) DESC, reason LIMIT ${Math.trunc(limit)}`;
}

/**
 * The run's records and rejected records per journal date (`day` as `YYYY-MM-DD`): the threshold
 * holds for each date a run folds, as it would for the daily runs that fold one date each.
 */
export function rejectedByDayQuery(): string {
  return `SELECT i.day, i.n AS input, COALESCE(r.n, 0) AS rejected
    FROM (SELECT CAST(journal_date AS STRING) AS day, COUNT(*) AS n FROM checked GROUP BY CAST(journal_date AS STRING)) i
    LEFT JOIN (SELECT CAST(journal_date AS STRING) AS day, COUNT(*) AS n FROM rejected GROUP BY CAST(journal_date AS STRING)) r ON r.day = i.day
    ORDER BY i.day`;
}

/**
 * The quarantine rows. Their raw text follows the PII policy (docs/SEMANTICS.md "Quarantine"): under
 * `drop` or `hash` an object's PII members are left out or hashed, and a record that cannot be read
 * as an object keeps no text at all (its file and position say where it is).
 */
export function quarantineSelect(d: SqlDialect, plan: Pick<FoldPlan, 'schema' | 'policies' | 'piiPads'>): string {
  const { schema, policies } = plan;
  const columns = 'journal_file, journal_date, position, reason';
  if (policies.pii === 'keep' || schema.pii.length === 0) return `SELECT ${columns}, raw FROM rejected`;
  const pads = plan.piiPads;
  const hash = (value: string) => {
    if (!pads) throw new Error('pii policy hash needs the key pads');
    return d.hmacSha256Hex(value, pads.innerHex, pads.outerHex);
  };
  const redacted = policies.pii === 'drop' ? d.redactMembers('raw', schema.pii, [], hash) : d.redactMembers('raw', [], schema.pii, hash);
  // raw_pii was decided by the records' one probe (foldStatements): unreadable records keep no text.
  return `SELECT ${columns}, CASE raw_pii WHEN 'redact' THEN ${redacted} WHEN 'keep' THEN raw END AS raw
    FROM (${d.denseRows('SELECT * FROM rejected', ['journal_file', 'position'])}) r`;
}
