/**
 * The data-quality tests of a committed version: what `subsnap validate` runs. Each check reads the
 * version's Parquet files and the commit log, never the state of the run that produced them.
 */
import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { consumedFiles } from '../lake/commit-log.js';
import { lakeLayout } from '../lake/layout.js';
import { fingerprintCatalog, sameFingerprints } from '../lake/catalog-files.js';
import type { Config } from './config.js';
import { storedFields } from './fold-sql.js';
import type { ResolvedVersion } from './lake-history.js';
import type { Policies } from './policies.js';
import { LINEAGE_COLUMNS, type RecordSchema } from './record-schema.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export async function validateSnapshot(engine: Engine, config: Config, target: ResolvedVersion): Promise<CheckResult[]> {
  const d = engine.dialect;
  const q = (n: string) => d.quote(n);
  const { commit } = target;
  const policies = commit.policies as unknown as Policies;
  // A version is checked against the schema it was built with, which a migration may have changed since.
  const schema = (commit.schema as RecordSchema | undefined) ?? config.schema;
  const key = q(schema.key);
  const snapshot = d.readParquet(target.snapshotDir);
  const results: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => results.push({ name, ok, detail });
  const one = async (sql: string) => (await engine.query(sql))[0] ?? {};

  const actual = await engine.columns(`SELECT * FROM ${snapshot}`);
  const expected = [schema.key, ...storedFields(schema, policies).map((f) => f.name)];
  const names = actual.map((c) => c.name);
  const missing = [...expected, ...LINEAGE_COLUMNS].filter((n) => !names.includes(n));
  const typeMismatch = storedFields(schema, policies)
    .map((f) => ({ f, actual: actual.find((c) => c.name === f.name)?.type }))
    .filter(({ f, actual: t }) => t !== undefined && t.replace(/\s/g, '').toUpperCase() !== d.sqlType(f.type).replace(/\s/g, '').toUpperCase())
    .map(({ f, actual: t }) => `${f.name} is ${t}, expected ${d.sqlType(f.type)}`);
  const keyType = actual.find((c) => c.name === schema.key)?.type;
  if (keyType && keyType.toUpperCase() !== 'BIGINT') typeMismatch.push(`${schema.key} is ${keyType}, expected BIGINT`);
  check('schema', missing.length === 0 && typeMismatch.length === 0,
    [missing.length ? `missing columns: ${missing.join(', ')}` : '', ...typeMismatch].filter(Boolean).join('; ') || `${names.length} columns as expected`);

  const keys = await one(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS distinct_keys, COUNT(*) - COUNT(${key}) AS null_keys FROM ${snapshot}`);
  const rows = Number(keys.n);
  check('key unique and not null', Number(keys.distinct_keys) === rows && Number(keys.null_keys) === 0,
    `${rows} rows, ${String(keys.distinct_keys)} distinct keys, ${String(keys.null_keys)} null keys`);

  if (target.previous) {
    const previousDir = path.join(target.lakeRoot, target.previous.snapshotPath);
    const lost = await one(`SELECT COUNT(*) AS n FROM ${d.readParquet(previousDir)} p
      WHERE NOT EXISTS (SELECT 1 FROM ${snapshot} s WHERE s.${key} = p.${key})`);
    check('no key lost since the previous version', Number(lost.n) === 0,
      Number(lost.n) === 0 ? `every key of version ${target.previous.version} is present` : `${String(lost.n)} keys of version ${target.previous.version} are missing`);
  }

  const counts = commit.counts;
  const problems: string[] = [];
  if (counts.totalKeys !== rows) problems.push(`commit says ${counts.totalKeys} keys, files hold ${rows} rows`);
  if (counts.inputRecords !== (counts.acceptedRecords ?? 0) + (counts.rejectedRecords ?? 0)) problems.push('input != accepted + rejected');
  if (counts.totalKeys !== (counts.inserted ?? 0) + (counts.updated ?? 0) + (counts.unchanged ?? 0)) problems.push('total != inserted + updated + unchanged');
  if (target.previous && counts.totalKeys !== (target.previous.counts.totalKeys ?? 0) + (counts.inserted ?? 0)) {
    problems.push(`total keys ${counts.totalKeys} != previous ${target.previous.counts.totalKeys} + inserted ${counts.inserted}`);
  }
  if (commit.quarantinePath) {
    const q2 = await one(`SELECT COUNT(*) AS n FROM ${d.readParquet(path.join(target.lakeRoot, commit.quarantinePath))}`);
    if (Number(q2.n) !== counts.rejectedRecords) problems.push(`quarantine holds ${String(q2.n)} records, commit says ${counts.rejectedRecords}`);
  } else if ((counts.rejectedRecords ?? 0) > 0) problems.push('rejected records but no quarantine');
  check('counts reconcile with the commit log', problems.length === 0, problems.join('; ') || `${rows} keys; ${counts.inputRecords} records = ${counts.acceptedRecords} accepted + ${counts.rejectedRecords} rejected`);

  const catalogDir = lakeLayout(target.lakeRoot).catalog;
  const catalogNow = await fingerprintCatalog(catalogDir);
  const join = q(schema.joinField);
  const enrichment = names.filter((n) => !expected.includes(n) && !n.startsWith('_'));
  const differs = enrichment.map((c) => `CAST(s.${q(c)} AS STRING) IS DISTINCT FROM CAST(k.${q(c)} AS STRING)`).join(' OR ') || 'FALSE';
  const enrich = await one(`SELECT COUNT(*) AS n FROM ${snapshot} s LEFT JOIN ${d.readParquet(catalogDir)} k ON s.${join} = k.${join} WHERE ${differs}`);
  const sameCatalog = sameFingerprints(commit.catalog, catalogNow);
  check('enrichment agrees with the catalog', Number(enrich.n) === 0 || !sameCatalog,
    Number(enrich.n) === 0 ? `${enrichment.join(', ')} match the catalog for every row`
      : sameCatalog ? `${String(enrich.n)} rows disagree with the catalog` : `${String(enrich.n)} rows differ from the catalog, which changed since this version (the next run re-enriches)`);

  const pii = schema.pii.filter((f) => names.includes(f));
  if (policies.pii === 'drop') check('no clear-text PII', pii.length === 0, pii.length ? `PII columns present: ${pii.join(', ')}` : 'PII columns dropped');
  else if (policies.pii === 'hash') {
    const clear = await one(`SELECT COUNT(*) AS n FROM ${snapshot} WHERE ${pii.map((f) => `(${q(f)} IS NOT NULL AND NOT ${d.matches(q(f), '[0-9a-f]{64}')})`).join(' OR ') || 'FALSE'}`);
    check('no clear-text PII', Number(clear.n) === 0, Number(clear.n) === 0 ? 'PII columns hold HMAC-SHA256 digests only' : `${String(clear.n)} rows hold PII that is not a digest`);
  } else check('no clear-text PII', true, "policy 'keep': clear text allowed");

  const chain = consumedFiles(target.commits.slice(0, commit.version));
  const lineage = await engine.query(`SELECT DISTINCT ${q('_journal_file')} AS f FROM ${snapshot}`);
  const unknown = lineage.map((r) => String(r.f)).filter((f) => !chain.has(f));
  check('lineage names consumed journal files', unknown.length === 0, unknown.length ? `unknown files: ${unknown.slice(0, 5).join(', ')}` : `${lineage.length} source files, all in the commit log`);
  return results;
}
