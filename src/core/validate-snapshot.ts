/**
 * The data-quality tests of a committed version: what `subsnap validate` runs. Each check reads the
 * version's Parquet files and the commit log, never the state of the run that produced them. A check
 * that needs something vacuum removed (the previous version's files, a quarantine past its TTL) or
 * that the lake no longer has (the catalog) is skipped with the reason: it cannot fail the version.
 */
import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { consumedFiles } from '../lake/commit-log.js';
import { fingerprintCatalog, sameFingerprints } from '../lake/catalog-files.js';
import { listParquetFiles } from '../lake/parquet-files.js';
import type { Config } from './config.js';
import { storedFields } from './fold-sql.js';
import { quarantinePresent, versionFiles, type ResolvedVersion } from './lake-history.js';
import { parquetTable } from './parquet-source.js';
import type { Policies } from './policies.js';
import { exceedsShare } from './reject-threshold.js';
import { LINEAGE_COLUMNS, type RecordSchema } from './record-schema.js';

export interface CheckResult {
  name: string;
  /** True for a passed or a skipped check: only a failed one fails validation. */
  ok: boolean;
  /** The check could not run (`detail` says why); `ok` stays true. */
  skipped?: boolean;
  detail: string;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export async function validateSnapshot(engine: Engine, config: Config, target: ResolvedVersion): Promise<CheckResult[]> {
  const d = engine.dialect;
  const q = (n: string) => d.identifier(n);
  const { commit, layout } = target;
  const { storage } = layout;
  const policies = commit.policies as unknown as Policies;
  // A version is checked against the schema it was built with, which a migration may have changed since.
  const schema = (commit.schema as RecordSchema | undefined) ?? config.schema;
  const key = q(schema.key);
  const results: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string): void => void results.push({ name, ok, detail });
  const skip = (name: string, detail: string): void => void results.push({ name, ok: true, skipped: true, detail });
  const one = async (sql: string) => (await engine.query(sql))[0] ?? {};
  /** A check whose query fails is a failed check naming the error, not the end of validation. */
  const guarded = async (name: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      check(name, false, `could not be checked: ${(error as Error).message.split('\n')[0]}`);
    }
  };

  if (target.incomplete) {
    check('schema', false, `${target.incomplete}: the version cannot be read; nothing else can be checked`);
    return results;
  }
  const snapshot = await parquetTable(engine, storage, target.snapshotDir, target.snapshotFiles.length ? target.snapshotFiles : undefined);
  let actual: { name: string; type: string }[];
  try {
    actual = await engine.columns(`SELECT * FROM ${snapshot}`);
  } catch (error) {
    // Unreadable files (truncated, not Parquet) fail the version; nothing else can be checked on them.
    check('schema', false, `cannot read the Parquet files of version ${commit.version} in ${commit.snapshotPath}: ${(error as Error).message.split('\n')[0]}`);
    return results;
  }
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
  const hasKey = names.includes(schema.key);
  const noKey = `the version has no column ${schema.key} (see the schema check)`;

  let rows = 0;
  if (!hasKey) skip('key unique and not null', noKey);
  else {
    await guarded('key unique and not null', async () => {
      const keys = await one(`SELECT COUNT(*) AS n, COUNT(DISTINCT ${key}) AS distinct_keys, COUNT(*) - COUNT(${key}) AS null_keys FROM ${snapshot}`);
      rows = Number(keys.n);
      check('key unique and not null', Number(keys.distinct_keys) === rows && Number(keys.null_keys) === 0,
        `${rows} rows, ${String(keys.distinct_keys)} distinct keys, ${String(keys.null_keys)} null keys`);
    });
  }

  const previous = target.previous;
  if (previous) {
    const name = 'no key lost since the previous version';
    const files = await versionFiles(layout, previous);
    if (files.state !== 'present') skip(name, `${files.reason}: version ${commit.version} cannot be compared with it`);
    else if (!hasKey) skip(name, noKey);
    else {
      await guarded(name, async () => {
        const before = await parquetTable(engine, storage, path.join(layout.root, previous.snapshotPath), previous.snapshotFiles?.length ? previous.snapshotFiles : undefined);
        if (!(await engine.columns(`SELECT * FROM ${before}`)).some((c) => c.name === schema.key)) {
          skip(name, `version ${previous.version} has no column ${schema.key}: its keys cannot be compared`);
          return;
        }
        const lost = await one(`SELECT COUNT(*) AS n FROM ${before} p WHERE NOT EXISTS (SELECT 1 FROM ${snapshot} s WHERE s.${key} = p.${key})`);
        check(name, Number(lost.n) === 0,
          Number(lost.n) === 0 ? `every key of version ${previous.version} is present` : `${String(lost.n)} keys of version ${previous.version} are missing`);
      });
    }
  }

  await guarded('counts reconcile with the commit log', () => reconcileCounts(engine, target, hasKey ? rows : undefined, check));
  check(...rejectShare(commit.counts, commit.policies));

  await guarded('enrichment agrees with the catalog', async () => {
    const name = 'enrichment agrees with the catalog';
    const catalogDir = layout.catalog;
    const catalogNow = await fingerprintCatalog(catalogDir, storage);
    const enrichment = names.filter((n) => !expected.includes(n) && !n.startsWith('_'));
    if (catalogNow.length === 0) return skip(name, `no catalog to compare with: ${storage.engineLocation(catalogDir)} holds no Parquet files (the next run needs one)`);
    if (!names.includes(schema.joinField)) return skip(name, `the version has no column ${schema.joinField} to join on (see the schema check)`);
    const catalog = await parquetTable(engine, storage, catalogDir, catalogNow.map((f) => f.path));
    const catalogColumns = (await engine.columns(`SELECT * FROM ${catalog}`)).map((c) => c.name);
    const sameCatalog = sameFingerprints(commit.catalog, catalogNow);
    const absent = [schema.joinField, ...enrichment].filter((c) => !catalogColumns.includes(c));
    if (absent.length) {
      const why = `the catalog has no column ${absent.join(', ')}`;
      return sameCatalog ? check(name, false, `${why}, yet this version was built with it`)
        : skip(name, `${why}: it changed since version ${commit.version} was built (the next run re-enriches)`);
    }
    const join = q(schema.joinField);
    const differs = enrichment.map((c) => `CAST(s.${q(c)} AS STRING) IS DISTINCT FROM CAST(k.${q(c)} AS STRING)`).join(' OR ') || 'FALSE';
    const enrich = await one(`SELECT COUNT(*) AS n FROM ${snapshot} s LEFT JOIN ${catalog} k ON s.${join} = k.${join} WHERE ${differs}`);
    check(name, Number(enrich.n) === 0 || !sameCatalog,
      Number(enrich.n) === 0 ? `${enrichment.join(', ')} match the catalog for every row`
        : sameCatalog ? `${String(enrich.n)} rows disagree with the catalog` : `${String(enrich.n)} rows differ from the catalog, which changed since this version (the next run re-enriches)`);
  });

  const pii = schema.pii.filter((f) => names.includes(f));
  if (policies.pii === 'drop') check('no clear-text PII', pii.length === 0, pii.length ? `PII columns present: ${pii.join(', ')}` : 'PII columns dropped');
  else if (policies.pii === 'hash') {
    await guarded('no clear-text PII', async () => {
      const clear = await one(`SELECT COUNT(*) AS n FROM ${snapshot} WHERE ${pii.map((f) => `(${q(f)} IS NOT NULL AND NOT ${d.matches(q(f), '[0-9a-f]{64}')})`).join(' OR ') || 'FALSE'}`);
      check('no clear-text PII', Number(clear.n) === 0, Number(clear.n) === 0 ? 'PII columns hold HMAC-SHA256 digests only' : `${String(clear.n)} rows hold PII that is not a digest`);
    });
  } else check('no clear-text PII', true, "policy 'keep': clear text allowed");

  const lineageName = 'lineage names consumed journal files';
  if (!names.includes('_journal_file')) skip(lineageName, 'the version has no column _journal_file (see the schema check)');
  else {
    await guarded(lineageName, async () => {
      const chain = consumedFiles(target.commits.slice(0, commit.version));
      const lineage = await engine.query(`SELECT DISTINCT ${q('_journal_file')} AS f FROM ${snapshot}`);
      const unknown = lineage.map((r) => String(r.f)).filter((f) => !chain.has(f));
      check(lineageName, unknown.length === 0, unknown.length ? `unknown files: ${unknown.slice(0, 5).join(', ')}` : `${lineage.length} source files, all in the commit log`);
    });
  }
  return results;
}

/** The commit's counts against each other, the files' rows, the parent's total and the quarantine. */
async function reconcileCounts(
  engine: Engine, target: ResolvedVersion, rows: number | undefined, check: (name: string, ok: boolean, detail: string) => void,
): Promise<void> {
  const { commit, previous, layout } = target;
  const counts = commit.counts;
  const problems: string[] = [];
  const notes: string[] = [];
  if (rows !== undefined && counts.totalKeys !== rows) problems.push(`commit says ${counts.totalKeys} keys, files hold ${rows} rows`);
  if (counts.inputRecords !== (counts.acceptedRecords ?? 0) + (counts.rejectedRecords ?? 0)) problems.push('input != accepted + rejected');
  if (counts.totalKeys !== (counts.inserted ?? 0) + (counts.updated ?? 0) + (counts.unchanged ?? 0)) problems.push('total != inserted + updated + unchanged');
  if (previous && counts.totalKeys !== (previous.counts.totalKeys ?? 0) + (counts.inserted ?? 0)) {
    problems.push(`total keys ${counts.totalKeys} != previous ${previous.counts.totalKeys} + inserted ${counts.inserted}`);
  }
  if (commit.quarantinePath) {
    const dir = path.join(layout.root, commit.quarantinePath);
    if (!(await quarantinePresent(layout, commit))) {
      // Vacuum removes a quarantine once all its journal days are past the TTL (its raw text holds PII).
      notes.push(`quarantine removed by vacuum (its journal days are past the TTL): its ${counts.rejectedRecords} records are not counted`);
    } else if ((await listParquetFiles(dir, layout.storage)).length === 0) {
      problems.push(`quarantine folder ${commit.quarantinePath} holds no Parquet files, commit says ${counts.rejectedRecords} rejected`);
    } else {
      const [held] = await engine.query(`SELECT COUNT(*) AS n FROM ${await parquetTable(engine, layout.storage, dir)}`);
      if (Number(held?.n) !== counts.rejectedRecords) problems.push(`quarantine holds ${String(held?.n)} records, commit says ${counts.rejectedRecords}`);
    }
  } else if ((counts.rejectedRecords ?? 0) > 0) problems.push('rejected records but no quarantine');
  const summary = `${counts.totalKeys} keys; ${counts.inputRecords} records = ${counts.acceptedRecords} accepted + ${counts.rejectedRecords} rejected`;
  check('counts reconcile with the commit log', problems.length === 0, [problems.join('; ') || summary, ...notes].join('; '));
}

/**
 * The share of the version's input that was rejected, against the threshold its commit recorded
 * (`policies.maxRejectedShare`, a decimal string); without one it is reported, never failed.
 */
export function rejectShare(counts: Record<string, number>, policies: Record<string, string>): [string, boolean, string] {
  const name = 'reject share';
  const input = counts.inputRecords ?? 0;
  const rejected = counts.rejectedRecords ?? 0;
  const recorded = policies.maxRejectedShare;
  const max = recorded === undefined ? undefined : Number(recorded);
  if (max !== undefined && !(recorded!.trim() !== '' && max >= 0 && max <= 1)) {
    return [name, false, `the commit records maxRejectedShare ${JSON.stringify(recorded)}, expected a number between 0 and 1`];
  }
  if (input === 0) return [name, true, 'no records folded by this version'];
  const share = `${rejected} of ${input} records rejected (${percent(rejected / input)})`;
  if (max === undefined) return [name, true, `${share}; no maxRejectedShare recorded for this version`];
  return exceedsShare(input, rejected, max)
    ? [name, false, `${share}, more than maxRejectedShare ${recorded} (${percent(max)}) recorded for this version`]
    : [name, true, `${share}, within maxRejectedShare ${recorded} (${percent(max)})`];
}
