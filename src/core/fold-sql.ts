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

/** Temporary relations the statements create, in order; the engine drops them afterwards. */
export const FOLD_RELATIONS = ['records', 'checked', 'valid', 'candidates', 'decided', 'rejected', 'next_state'] as const;

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

  statements.push(d.createTemp('records', d.probeJson(d.journalRecords(plan.inputs), probed)));

  const shown = (i: number) => `CASE WHEN t_${i} = 'integer' THEN 'number' ELSE t_${i} END`;
  const typeProblem = (f: FieldSpec) => {
    const i = idx(f.name);
    const label = (text: string) => `'${f.name.replace(/'/g, "''")}: ${text}'`;
    const wrongType = `${label(`expected ${f.type}, got `)} || ${shown(i)}`;
    const absent = `t_${i} IN ('missing', 'null')`;
    switch (f.type) {
      case 'boolean':
      case 'string':
        return `CASE WHEN ${absent} OR t_${i} = '${f.type}' THEN NULL ELSE ${wrongType} END`;
      case 'bigint':
        return `CASE WHEN ${absent} OR t_${i} = 'integer' THEN NULL ELSE ${wrongType} END`;
      case 'date':
        return `CASE WHEN ${absent} THEN NULL WHEN t_${i} <> 'string' THEN ${wrongType}
          WHEN ${d.matches(`s_${i}`, '[0-9]{4}-[0-9]{2}-[0-9]{2}')} AND TRY_CAST(s_${i} AS DATE) IS NOT NULL THEN NULL
          ELSE ${label('invalid date')} END`;
      default: {
        const shape = decimalShape(f.type)!;
        const exact = `TRY_CAST(s_${i} AS DECIMAL(38, ${38 - shape.precision + shape.scale}))`;
        const fitted = `TRY_CAST(s_${i} AS DECIMAL(${shape.precision}, ${shape.scale}))`;
        return `CASE WHEN ${absent} THEN NULL WHEN t_${i} NOT IN ('integer', 'number') THEN ${wrongType}
          WHEN ${fitted} IS NOT NULL AND COALESCE(${exact} = ${fitted}, FALSE) THEN NULL
          ELSE ${label(`not a ${f.type}`)} END`;
      }
    }
  };
  const keyLabel = schema.key.replace(/'/g, "''");
  const problems = [
    `CASE WHEN t_0 = 'missing' THEN '${keyLabel}: missing' WHEN t_0 = 'null' THEN '${keyLabel}: null'
      WHEN t_0 <> 'integer' THEN '${keyLabel}: expected integer, got ' || ${shown(0)} END`,
    ...schema.fields.map(typeProblem),
  ];
  if (schema.interval) {
    const [a, b] = [idx(schema.interval.start), idx(schema.interval.end)];
    problems.push(`CASE WHEN t_${a} = 'string' AND t_${b} = 'string'
      AND TRY_CAST(s_${b} AS DATE) < TRY_CAST(s_${a} AS DATE)
      AND ${d.matches(`s_${a}`, '[0-9]{4}-[0-9]{2}-[0-9]{2}')} AND ${d.matches(`s_${b}`, '[0-9]{4}-[0-9]{2}-[0-9]{2}')}
      THEN '${schema.interval.end} before ${schema.interval.start}' END`);
  }
  statements.push(
    d.createTemp(
      'checked',
      `SELECT *, CASE WHEN NOT is_json THEN 'malformed JSON' WHEN NOT is_object THEN 'not a JSON object'
        ELSE NULLIF(concat_ws('; ', ${problems.join(',\n')}), '') END AS reason FROM records`,
    ),
  );

  const typed = (f: FieldSpec) => {
    const i = idx(f.name);
    const value =
      f.type === 'boolean' ? `s_${i} = 'true'` : f.type === 'string' ? `s_${i}` : `CAST(s_${i} AS ${d.sqlType(f.type)})`;
    let expr = `CASE WHEN t_${i} NOT IN ('missing', 'null') THEN ${value} END`;
    if (policies.pii === 'hash' && schema.pii.includes(f.name)) {
      if (!plan.piiPads) throw new Error('pii policy hash needs the key pads');
      expr = d.hmacSha256Hex(expr, plan.piiPads.innerHex, plan.piiPads.outerHex);
    }
    return `${expr} AS ${q(f.name)}`;
  };
  statements.push(
    d.createTemp(
      'valid',
      `SELECT CAST(s_0 AS BIGINT) AS ${key}, ${fields.map(typed).join(', ')},
        journal_date AS ${jDate}, journal_file AS ${jFile}, position AS ${jLine}
       FROM checked WHERE reason IS NULL`,
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
         ${lineage.map((l) => `c.${l}`).join(', ')},
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
    `SELECT journal_file, journal_date, position, reason, raw FROM checked WHERE reason IS NOT NULL`,
  ];
  if (conflictGroups) {
    // Every record of a conflicting group, and of a group that conflicts with the row already folded.
    rejectedParts.push(
      `SELECT c.journal_file, c.journal_date, c.position, ${conflictReason(`v.${key}`, `v.${jDate}`)} AS reason, c.raw
       FROM valid v JOIN checked c ON c.journal_file = v.${jFile} AND c.position = v.${jLine}
       WHERE EXISTS (SELECT 1 FROM (${conflictGroups}) g WHERE g.g_key = v.${key} AND g.g_date = v.${jDate})
          OR EXISTS (SELECT 1 FROM decided x WHERE x.action = 'conflict' AND x.${key} = v.${key} AND x.${jDate} = v.${jDate})`,
    );
  }
  statements.push(d.createTemp('rejected', rejectedParts.join('\nUNION ALL\n')));

  statements.push(
    d.createTemp(
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

export function countsQuery(d: SqlDialect, plan: FoldPlan): string {
  const join = d.quote(plan.schema.joinField);
  return `SELECT
      (SELECT COUNT(*) FROM records) AS input_records,
      (SELECT COUNT(*) FROM rejected) AS rejected_records,
      (SELECT COUNT(*) FROM next_state WHERE is_new) AS inserted,
      (SELECT COUNT(*) FROM next_state WHERE is_updated) AS updated,
      (SELECT COUNT(*) FROM next_state) AS total_keys,
      (SELECT COUNT(*) FROM next_state n WHERE NOT EXISTS (
         SELECT 1 FROM ${d.readParquet(plan.catalogDir)} k WHERE k.${join} = n.${join})) AS unmatched`;
}

export function quarantineSelect(): string {
  return `SELECT journal_file, journal_date, position, reason, raw FROM rejected`;
}
