import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { writeCommit } from '../lake/commit-log.js';
import { openLake } from '../lake/lake-location.js';
import { lakeLocation } from '../lake/layout.js';
import { neutralType } from './column-types.js';
import type { Config } from './config.js';
import { checkCatalog, checkDeltaColumns, checkUniqueKeys, policiesRecord, publishVersion, requireCatalog, RunError } from './fold-and-commit.js';
import { outputSelect, storedFields } from './fold-sql.js';
import { parquetTable } from './parquet-source.js';
import { hmacPads, loadPiiKey } from './pii-key.js';
import type { Policies } from './policies.js';
import { DEFAULT_SCHEMA, LINEAGE_COLUMNS, type RecordSchema } from './record-schema.js';
import { unchangedCounts, uncommittedReport, type RunReport } from './run-report.js';
import { asWriter } from './writer-session.js';

/**
 * Applies a changed configuration to the current snapshot as a new version, without reading the
 * journal: fields added to the record schema (null until records carry them), fields removed,
 * a PII policy made stricter (keep -> hash, keep|hash -> drop), a new join field. What the snapshot
 * no longer holds (dropped or hashed names, a changed type or key) needs a reprocess from the journal.
 */
export async function migrateSnapshot(config: Config, engine: Engine): Promise<RunReport> {
  const started = Date.now();
  return asWriter(await openLake(config), async ({ layout, current, assertLockHeld }) => {
    const { storage } = layout;
    if (!current) throw new RunError('nothing to migrate: no version yet (the first run uses the configuration as it is)');
    const before = { schema: (current.schema as RecordSchema | undefined) ?? DEFAULT_SCHEMA, pii: current.policies.pii as Policies['pii'] };
    const after = { schema: config.schema, pii: config.policies.pii };
    const policies = await policiesRecord(config);
    if (JSON.stringify(before.schema) === JSON.stringify(after.schema) && before.pii === after.pii && current.policies.piiKeyId === policies.piiKeyId) {
      return uncommittedReport(layout, current, engine.name, started,
        `nothing to migrate: version ${current.version} already has this schema and PII policy`);
    }
    const reprocess = `re-fold the journal instead: \`subsnap backfill --from <first journal day>\` with the new configuration (needs the journal files)`;
    if (before.schema.key !== after.schema.key) throw new RunError(`the key changes from ${before.schema.key} to ${after.schema.key}: ${reprocess}`);
    const d = engine.dialect;
    const q = (n: string) => d.identifier(n);
    const oldFields = new Map(storedFields(before.schema, { ...config.policies, pii: before.pii }).map((f) => [f.name, f]));
    let pads: { inner: Buffer; outer: Buffer } | undefined;
    const select: string[] = [q(after.schema.key)];
    for (const field of storedFields(after.schema, config.policies)) {
      const old = oldFields.get(field.name);
      const isPii = after.schema.pii.includes(field.name);
      const wasPii = before.schema.pii.includes(field.name);
      if (!old) {
        if (isPii && wasPii && before.pii === 'drop') throw new RunError(`PII field ${field.name} was dropped, so it cannot be kept or hashed now: ${reprocess}`);
        select.push(`CAST(NULL AS ${d.sqlType(field.type)}) AS ${q(field.name)}`);
      } else if (old.type !== field.type) {
        throw new RunError(`field ${field.name} changes type from ${old.type} to ${field.type}: ${reprocess}`);
      } else if (isPii && after.pii === 'hash' && !(wasPii && before.pii === 'hash')) {
        pads ??= hmacPads(await loadPiiKey(config));
        select.push(`${d.hmacSha256Hex(q(field.name), pads.inner.toString('hex'), pads.outer.toString('hex'))} AS ${q(field.name)}`);
      } else if (wasPii && before.pii === 'hash' && !(isPii && after.pii === 'hash')) {
        throw new RunError(`PII field ${field.name} holds digests, which cannot be turned back into names: ${reprocess}`);
      } else {
        select.push(q(field.name));
      }
    }
    if (before.pii === 'hash' && after.pii === 'hash' && current.policies.piiKeyId !== policies.piiKeyId) {
      throw new RunError(`the PII key changed: digests under the old key cannot be recomputed: ${reprocess}`);
    }
    select.push(...LINEAGE_COLUMNS.map(q));

    const catalog = await requireCatalog(layout);
    const plan = { schema: after.schema, policies: config.policies, catalogTable: await parquetTable(engine, storage, layout.catalog, catalog.map((f) => f.path)) };
    const enrichment = await checkCatalog(engine, plan);
    await engine.run(d.createView('next_state',
      `SELECT ${select.join(', ')}, FALSE AS is_new, FALSE AS is_updated FROM ${await parquetTable(engine, storage, path.join(layout.root, current.snapshotPath), current.snapshotFiles)}`));
    const runDir = path.join(layout.staging, `migrate-${process.pid}-${started}`);
    const staged = path.join(runDir, 'snapshot');
    await storage.ensureDir(staged);
    await engine.run(d.writeParquet(outputSelect(d, plan, enrichment), storage.engineLocation(staged)));
    await checkUniqueKeys(engine, config, storage, staged);
    const join = q(after.schema.joinField);
    const [row] = await engine.query(`SELECT COUNT(*) AS total, SUM(CASE WHEN k.${join} IS NULL THEN 1 ELSE 0 END) AS unmatched
      FROM next_state n LEFT JOIN (SELECT DISTINCT ${join} FROM ${plan.catalogTable}) k ON n.${join} = k.${join}`);
    const columns = (await engine.columns(`SELECT * FROM ${await parquetTable(engine, storage, staged)}`)).map((c) => ({ name: c.name, type: neutralType(c.type) }));
    await engine.run(d.dropView('next_state'));
    checkDeltaColumns(columns);
    const version = current.version + 1;
    const published = await publishVersion(layout, version, staged, null);
    const totalKeys = Number(row?.total ?? 0);
    const counts = { ...unchangedCounts(current), totalKeys, unchanged: totalKeys, unmatchedSubscriptions: Number(row?.unmatched ?? 0) };
    await assertLockHeld();
    await writeCommit(layout, {
      version, parent: current.version, operation: 'migrate', committedAt: new Date().toISOString(), engine: engine.name,
      ...published, consumed: [], catalog, policies, schema: after.schema, columns, counts, durationMs: Date.now() - started,
    });
    await storage.removeTree(runDir);
    return {
      engine: engine.name, previousVersion: current.version, journalFiles: [], catalogChanged: false, warnings: [],
      ...counts, committed: true, version,
      snapshotPath: lakeLocation(layout, published.snapshotPath), quarantinePath: null, durationMs: Date.now() - started,
      message: `committed version ${version}: version ${current.version} migrated to the new configuration`,
    };
  });
}
