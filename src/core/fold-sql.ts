/**
 * The fold of docs/SEMANTICS.md as a sequence of SQL statements, rendered through an engine's
 * dialect. This is the one place where the snapshot semantics are written down as code.
 */
import type { SqlDialect, TextInput } from '../engines/engine.js';
import type { Policies } from './policies.js';
import { decimalShape, LINEAGE_COLUMNS, type FieldSpec, type RecordSchema } from './record-schema.js';

export interface FoldPlan {
  schema: RecordSchema;
  policies: Policies;
  /** HMAC pads for `pii: hash`. */
  piiPads?: { innerHex: string; outerHex: string };
  inputs: TextInput[];
  /** Directory of the current version's Parquet files; absent on the first run. */
  previousDir?: string;
  catalogDir: string;
}

/** Non-key fields kept in the snapshot under the plan's PII policy. */
export function storedFields(schema: RecordSchema, policies: Policies): FieldSpec[] {
  return schema.fields.filter((f) => policies.pii !== 'drop' || !schema.pii.includes(f.name));
}

/** Temporary relations the statements materialize, in order; dropped afterwards. */
export const FOLD_RELATIONS = ['lines', 'checked', 'valid', 'candidates', 'decided', 'rejected'] as const;
/**
 * Views the statements define: the new state is as large as the snapshot, so it is never
 * materialized; the counts and the write each stream it from the previous version and `decided`.
 */
export const FOLD_VIEWS = ['next_state'] as const;
/** Relations the write does not read (next_state reads decided, and candidates on a first run): dropped before it, to free memory. */
export const FOLD_RELATIONS_DONE_BEFORE_WRITE = ['lines', 'checked', 'valid'] as const;

const ORDER = { last: 'DESC', first: 'ASC', reject: 'DESC' } as const;

export function foldStatements(d: SqlDialect, plan: FoldPlan): string[] {
  const { schema, policies } = plan;
  const q = (n: string) => d.quote(n);
  const key = q(schema.key);
  const fields = storedFields(schema, policies);
  const probed = [schema.key, ...schema.fields.map((f) => f.name)];
  const idx = (name: string) => probed.indexOf(name);
  const lineage = LINEAGE_COLUMNS.map(q);
  const [jDate, jFile, jLine] = lineage as [string, string, string];
  const stateColumns = [key, ...fields.map((f) => q(f.name)), ...lineage];
  const statements: string[] = [];

  // The records' text is materialized first: probing and checking then run in parallel over it.
  statements.push(...d.journalSetup(plan.inputs), d.createTemp('lines', d.journalRecords(plan.inputs)));

  // Each field's typed value x_i (NULL when absent or of the wrong type) and whether it is valid.
  const all = [{ name: schema.key, type: 'bigint' as const }, ...schema.fields];
  const typedValue = (f: FieldSpec, i: number) => {
    switch (f.type) {
      case 'boolean':
        return `CASE WHEN t_${i} = 'boolean' THEN s_${i} = 'true' END`;
      case 'string':
        return `CASE WHEN t_${i} = 'string' THEN s_${i} END`;
      case 'bigint':
        return `CASE WHEN t_${i} = 'integer' THEN TRY_CAST(s_${i} AS BIGINT) END`;
      case 'date':
        return `CASE WHEN t_${i} = 'string' THEN TRY_CAST(s_${i} AS DATE) END`;
      default:
        return `CASE WHEN t_${i} IN ('integer', 'number') THEN TRY_CAST(s_${i} AS ${d.sqlType(f.type)}) END`;
    }
  };
  const absent = (i: number) => `t_${i} IN ('missing', 'null')`;
  const fieldOk = (f: FieldSpec, i: number) => {
    switch (f.type) {
      case 'date':
        // The round trip rejects what a lenient cast would take (2023/02/01, 2023-2-1, timestamps).
        return `(${absent(i)} OR (x_${i} IS NOT NULL AND CAST(x_${i} AS STRING) = s_${i}))`;
      case 'boolean':
      case 'string':
      case 'bigint':
        return `(${absent(i)} OR x_${i} IS NOT NULL)`;
      default: {
        // The cast rounds; the text must show no more fraction digits than the scale (trailing
        // zeros aside). A regular expression is far cheaper than an exact wide-decimal cast.
        const { scale } = decimalShape(f.type)!;
        const exact = d.matches(`s_${i}`, `-?[0-9]+(\\.[0-9]{0,${scale}}0*)?`);
        return `(${absent(i)} OR (x_${i} IS NOT NULL AND ${exact}))`;
      }
    }
  };
  const shown = (i: number) => `CASE WHEN t_${i} = 'integer' THEN 'number' ELSE t_${i} END`;
  const label = (name: string, text: string) => `'${name.replace(/'/g, "''")}: ${text}'`;
  const fieldProblem = (f: FieldSpec, i: number) => {
    const wrongType = `${label(f.name, `expected ${f.type}, got `)} || ${shown(i)}`;
    const expectedJson = { boolean: `'boolean'`, string: `'string'`, bigint: `'integer'`, date: `'string'` }[f.type as string] ?? `'integer', 'number'`;
    const badValue = f.type === 'date' ? label(f.name, 'invalid date') : label(f.name, `not a ${f.type}`);
    return `CASE WHEN ok_${i} THEN NULL WHEN t_${i} NOT IN (${expectedJson}) THEN ${wrongType} ELSE ${badValue} END`;
  };
  const keyLabel = schema.key.replace(/'/g, "''");
  const problems = [
    `CASE WHEN t_0 = 'missing' THEN '${keyLabel}: missing' WHEN t_0 = 'null' THEN '${keyLabel}: null'
      WHEN x_0 IS NULL THEN '${keyLabel}: expected integer, got ' || ${shown(0)} END`,
    ...schema.fields.map((f) => fieldProblem(f, idx(f.name))),
  ];
  const oks = ['x_0 IS NOT NULL', ...schema.fields.map((f) => `ok_${idx(f.name)}`)];
  if (schema.interval) {
    const [a, b] = [idx(schema.interval.start), idx(schema.interval.end)];
    const before = `(ok_${a} AND ok_${b} AND x_${b} < x_${a})`;
    problems.push(`CASE WHEN ${before} THEN '${schema.interval.end} before ${schema.interval.start}' END`);
    oks.push(`NOT COALESCE(${before}, FALSE)`);
  }
  // Typed values and validity for every record; reasons are worked out for the rejected few only,
  // since building reason text for every record costs more than the rest of the check.
  const layers = (source: string) =>
    `(SELECT *, ${schema.fields.map((f) => `${fieldOk(f, idx(f.name))} AS ok_${idx(f.name)}`).join(', ')}
      FROM (SELECT *, ${all.map((f, i) => `${typedValue(f, i)} AS x_${i}`).join(', ')}
            FROM (${d.probeJson(source, probed)}) p) r) o`;
  statements.push(
    d.createTemp(
      'checked',
      `SELECT journal_file, journal_date, position, ${all.map((_, i) => `x_${i}`).join(', ')},
          COALESCE(is_object AND ${oks.join(' AND ')}, FALSE) AS accepted
       FROM ${layers('SELECT * FROM lines')}`,
    ),
  );
  const invalidRecords = `SELECT journal_file, journal_date, position, raw,
      CASE WHEN NOT is_json THEN 'malformed JSON' WHEN NOT is_object THEN 'not a JSON object'
      ELSE concat_ws('; ', ${problems.join(',\n')}) END AS reason
    FROM ${layers(`SELECT l.* FROM lines l JOIN checked c
      ON c.journal_file = l.journal_file AND c.position = l.position WHERE NOT c.accepted`)}`;

  const typed = (f: FieldSpec) => {
    let expr = `x_${idx(f.name)}`;
    if (policies.pii === 'hash' && schema.pii.includes(f.name)) {
      if (!plan.piiPads) throw new Error('pii policy hash needs the key pads');
      expr = d.hmacSha256Hex(expr, plan.piiPads.innerHex, plan.piiPads.outerHex);
    }
    return `${expr} AS ${q(f.name)}`;
  };
  statements.push(
    d.createTemp(
      'valid',
      `SELECT x_0 AS ${key}, ${fields.map(typed).join(', ')},
        journal_date AS ${jDate}, journal_file AS ${jFile}, position AS ${jLine}
       FROM checked WHERE accepted`,
    ),
  );

  // One candidate per (key, journal date): the duplicates policy.
  const dir = ORDER[policies.duplicates];
  const fieldNames = fields.map((f) => q(f.name));
  const conflictGroups =
    policies.duplicates === 'reject'
      ? `SELECT ${key} AS g_key, ${jDate} AS g_date FROM valid GROUP BY ${key}, ${jDate}
         HAVING ${fieldNames.map((f) => `COUNT(DISTINCT ${f}) > 1 OR (COUNT(${f}) > 0 AND COUNT(${f}) < COUNT(*))`).join(' OR ') || 'FALSE'}`
      : undefined;
  // Priority of a key's records: newest journal date first, then the duplicates policy within a date.
  const ranked = `SELECT *, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${jDate} DESC, ${jFile} ${dir}, ${jLine} ${dir}) AS rn
    FROM valid v
    ${conflictGroups ? `WHERE NOT EXISTS (SELECT 1 FROM (${conflictGroups}) g WHERE g.g_key = v.${key} AND g.g_date = v.${jDate})` : ''}`;
  // overwrite: the first record in priority; coalesce: per field, the first non-null value in priority.
  statements.push(
    d.createTemp(
      'candidates',
      policies.nulls === 'coalesce'
        ? `SELECT ${key}, ${fieldNames.map((f) => `MIN_BY(${f}, rn) FILTER (WHERE ${f} IS NOT NULL) AS ${f}`).join(', ')},
             ${lineage.map((l) => `MIN_BY(${l}, rn) AS ${l}`).join(', ')}
           FROM (${ranked}) x GROUP BY ${key}`
        : `SELECT ${stateColumns.join(', ')} FROM (${ranked}) x WHERE rn = 1`,
    ),
  );

  const previous = plan.previousDir
    ? `SELECT ${stateColumns.join(', ')} FROM ${d.readParquet(plan.previousDir)}`
    : `SELECT ${stateColumns.map((c) => `p.${c}`).join(', ')} FROM candidates p WHERE FALSE`;
  const sameDateAction = {
    last: `CASE WHEN c.${jFile} > p.${jFile} OR (c.${jFile} = p.${jFile} AND c.${jLine} > p.${jLine}) THEN 'replace' ELSE 'ignore' END`,
    first: `CASE WHEN c.${jFile} < p.${jFile} OR (c.${jFile} = p.${jFile} AND c.${jLine} < p.${jLine}) THEN 'replace' ELSE 'ignore' END`,
    reject: `CASE WHEN ${fieldNames.map((f) => `c.${f} IS NOT DISTINCT FROM p.${f}`).join(' AND ') || 'TRUE'} THEN 'ignore' ELSE 'conflict' END`,
  }[policies.duplicates];
  const merged = (f: string) => (policies.nulls === 'coalesce' ? `COALESCE(c.${f}, p.${f})` : `c.${f}`);
  statements.push(
    d.createTemp(
      'decided',
      `SELECT c.${key}, ${fieldNames.map((f) => `CASE WHEN p.${key} IS NULL THEN c.${f} ELSE ${merged(f)} END AS ${f}`).join(', ')},
         ${lineage.map((l) => `c.${l}`).join(', ')}, p.${q(schema.joinField)} AS previous_join,
         CASE WHEN p.${key} IS NULL THEN 'insert'
              WHEN c.${jDate} > p.${jDate} THEN 'replace'
              WHEN c.${jDate} < p.${jDate} THEN 'ignore'
              ELSE ${sameDateAction} END AS action
       FROM candidates c LEFT JOIN (${previous}) p ON c.${key} = p.${key}`,
    ),
  );

  const conflictReason = (k: string, date: string) =>
    `'conflicting duplicates for ${keyLabel} ' || CAST(${k} AS STRING) || ' on ' || CAST(${date} AS STRING)`;
  const rejectedParts = [
    `SELECT journal_file, journal_date, position, reason, raw FROM (${invalidRecords}) i`,
  ];
  if (conflictGroups) {
    // Every record of a conflicting group, and of a group that conflicts with the row already folded.
    rejectedParts.push(
      `SELECT c.journal_file, c.journal_date, c.position, ${conflictReason(`v.${key}`, `v.${jDate}`)} AS reason, c.raw
       FROM valid v JOIN lines c ON c.journal_file = v.${jFile} AND c.position = v.${jLine}
       WHERE EXISTS (SELECT 1 FROM (${conflictGroups}) g WHERE g.g_key = v.${key} AND g.g_date = v.${jDate})
          OR EXISTS (SELECT 1 FROM decided x WHERE x.action = 'conflict' AND x.${key} = v.${key} AND x.${jDate} = v.${jDate})`,
    );
  }
  statements.push(d.createTemp('rejected', rejectedParts.join('\nUNION ALL\n')));

  statements.push(
    d.createView(
      'next_state',
      `SELECT ${stateColumns.map((c) => `p.${c}`).join(', ')}, FALSE AS is_new, FALSE AS is_updated FROM (${previous}) p
         WHERE NOT EXISTS (SELECT 1 FROM decided x WHERE x.action IN ('insert', 'replace') AND x.${key} = p.${key})
       UNION ALL
       SELECT ${stateColumns.join(', ')}, action = 'insert' AS is_new, action = 'replace' AS is_updated
         FROM decided WHERE action IN ('insert', 'replace')`,
    ),
  );
  return statements;
}

/** The snapshot rows of the new version: state, enrichment, lineage. */
export function outputSelect(d: SqlDialect, plan: FoldPlan, enrichment: string[]): string {
  const q = (n: string) => d.quote(n);
  const join = q(plan.schema.joinField);
  const fields = storedFields(plan.schema, plan.policies).map((f) => `n.${q(f.name)}`);
  return `SELECT n.${q(plan.schema.key)}, ${fields.join(', ')}, ${enrichment.map((c) => `k.${q(c)}`).join(', ')},
      ${LINEAGE_COLUMNS.map((l) => `n.${q(l)}`).join(', ')}
    FROM next_state n LEFT JOIN ${d.readParquet(plan.catalogDir)} k ON n.${join} = k.${join}`;
}

/**
 * The run's counts, without a pass over the new state: the new state is the previous version with
 * `decided`'s inserts and replacements applied, so its size and its unmatched rows follow from the
 * previous version (its row count is in the Parquet footers; its join column is one narrow scan)
 * and `decided`. The same query gives what the uniqueness check needs (see checkKeyCounts).
 */
export function countsQuery(d: SqlDialect, plan: FoldPlan): string {
  const join = d.quote(plan.schema.joinField);
  const key = d.quote(plan.schema.key);
  const catalog = `(SELECT DISTINCT ${join} FROM ${d.readParquet(plan.catalogDir)})`;
  const unmatched = (column: string) => `NOT EXISTS (SELECT 1 FROM ${catalog} k WHERE k.${join} = ${column})`;
  const count = (condition: string) => `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const previous = plan.previousDir
    ? `(SELECT COUNT(*) FROM ${d.readParquet(plan.previousDir)}) AS previous_rows,
       (SELECT COUNT(*) FROM ${d.readParquet(plan.previousDir)} p WHERE ${unmatched(`p.${join}`)}) AS previous_unmatched`
    : `0 AS previous_rows, 0 AS previous_unmatched`;
  return `SELECT
      (SELECT COUNT(*) FROM lines) AS input_records,
      (SELECT COUNT(*) FROM rejected) AS rejected_records,
      ${previous},
      COUNT(*) AS decided_rows,
      COUNT(DISTINCT x.${key}) AS decided_keys,
      COUNT(x.${key}) AS decided_present_keys,
      ${count(`x.action = 'insert'`)} AS inserted,
      ${count(`x.action = 'replace'`)} AS updated,
      ${count(`x.action = 'replace' AND ${unmatched('x.previous_join')}`)} AS replaced_unmatched,
      ${count(`x.action IN ('insert', 'replace') AND ${unmatched(`x.${join}`)}`)} AS changed_unmatched
    FROM decided x`;
}

export function quarantineSelect(): string {
  return `SELECT journal_file, journal_date, position, reason, raw FROM rejected`;
}
