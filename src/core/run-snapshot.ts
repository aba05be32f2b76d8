import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { fingerprintCatalog, sameFingerprints } from '../lake/catalog-files.js';
import { consumedFiles, readCommits, writeCommit, type Commit } from '../lake/commit-log.js';
import { fsyncDir, fsyncTree } from '../lake/durable-fs.js';
import { inspectJournalFile, listJournalFiles, type InspectedJournalFile } from '../lake/journal-files.js';
import { lakeLayout, quarantineDir, versionDir } from '../lake/layout.js';
import { removeLeftovers } from '../lake/leftovers.js';
import { acquireWriterLock } from '../lake/writer-lock.js';
import type { Config } from './config.js';
import { neutralType } from './column-types.js';
import { crashPoint } from './fault-points.js';
import { countsQuery, FOLD_RELATIONS, foldStatements, outputSelect, quarantineSelect, type FoldPlan } from './fold-sql.js';
import { hmacPads, loadPiiKey, piiKeyId } from './pii-key.js';
import type { RunReport } from './run-report.js';

export interface RunOptions {
  config: Config;
  engine: Engine;
  /** Fold only journal days up to this date (inclusive). */
  until?: string;
  onProgress?: (event: { stage: string; done?: number; total?: number }) => void;
}

export class RunError extends Error {}

const toPosix = (p: string) => p.split(path.sep).join('/');

/** One run: fold the journal files not yet consumed into a new committed version. */
export async function runSnapshot(options: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const { config, engine } = options;
  const progress = options.onProgress ?? (() => undefined);
  const layout = lakeLayout(config.lake);
  const lock = await acquireWriterLock(layout.lock);
  try {
    crashPoint('locked');
    const commits = await readCommits(layout);
    const current = commits.at(-1);
    await removeLeftovers(layout, current?.version ?? 0);
    const policies = await policiesRecord(config);
    checkPoliciesCompatible(current, policies);

    const warnings: string[] = [];
    const { files, ignored } = await listJournalFiles(layout.journal);
    if (ignored.length) warnings.push(`ignored ${ignored.length} path(s) in the journal that are not day folders or journal files: ${ignored.slice(0, 5).join(', ')}`);
    const consumed = consumedFiles(commits);
    const fresh = files.filter((f) => !consumed.has(f.path) && (!options.until || f.date <= options.until));
    for (const f of files) {
      const before = consumed.get(f.path);
      if (before && before.size !== f.size) {
        warnings.push(
          `journal file ${f.path} changed after it was folded (size ${before.size} -> ${f.size}); ` +
            `its new content is not folded by run: use \`subsnap backfill --from ${f.date}\``,
        );
      }
    }
    const catalog = await fingerprintCatalog(layout.catalog);
    if (catalog.length === 0) {
      throw new RunError(`no catalog: put the subscription catalog as Parquet under ${layout.catalog} (subsnap generate writes one)`);
    }
    const catalogChanged = current !== undefined && !sameFingerprints(current.catalog, catalog);
    const base = {
      engine: engine.name,
      previousVersion: current?.version ?? null,
      journalFiles: fresh.map((f) => f.path),
      catalogChanged,
      warnings,
    };
    if (fresh.length === 0 && current && !catalogChanged) {
      return {
        ...base,
        ...zeroCounts(current),
        committed: false,
        version: current.version,
        snapshotPath: path.join(layout.root, current.snapshotPath),
        quarantinePath: null,
        durationMs: Date.now() - started,
        message: `nothing new: no unconsumed journal files and an unchanged catalog; version ${current.version} stays current`,
      };
    }

    const runDir = path.join(layout.staging, `run-${process.pid}-${started}`);
    await fs.mkdir(runDir, { recursive: true });
    const inspected: InspectedJournalFile[] = [];
    for (const [i, file] of fresh.entries()) {
      progress({ stage: 'reading journal files', done: i, total: fresh.length });
      inspected.push(await inspectJournalFile(file, runDir));
    }
    progress({ stage: 'reading journal files', done: fresh.length, total: fresh.length });
    crashPoint('inspected');

    const version = (current?.version ?? 0) + 1;
    const plan: FoldPlan = {
      schema: config.schema,
      policies: config.policies,
      inputs: inspected.map((f) => ({ textPath: f.textPath, journalFile: f.path, journalDate: f.date, format: f.format })),
      previousDir: current ? path.join(layout.root, current.snapshotPath) : undefined,
      catalogDir: layout.catalog,
    };
    if (config.policies.pii === 'hash') {
      const pads = hmacPads(await loadPiiKey(config));
      plan.piiPads = { innerHex: pads.inner.toString('hex'), outerHex: pads.outer.toString('hex') };
    }
    progress({ stage: 'folding' });
    const enrichment = await checkCatalog(engine, plan);
    for (const statement of foldStatements(engine.dialect, plan)) await engine.run(statement);
    const [counts] = await engine.query(countsQuery(engine.dialect, plan));
    crashPoint('folded');

    progress({ stage: 'writing Parquet' });
    const stagedSnapshot = path.join(runDir, 'snapshot');
    const stagedQuarantine = path.join(runDir, 'quarantine');
    await fs.mkdir(stagedSnapshot, { recursive: true });
    await engine.run(engine.dialect.writeParquet(outputSelect(engine.dialect, plan, enrichment), stagedSnapshot));
    const rejected = Number(counts?.rejected_records ?? 0);
    if (rejected > 0) {
      await fs.mkdir(stagedQuarantine, { recursive: true });
      await engine.run(engine.dialect.writeParquet(quarantineSelect(), stagedQuarantine));
    }
    await checkUniqueKeys(engine, config, stagedSnapshot);
    const columns = (await engine.columns(`SELECT * FROM ${engine.dialect.readParquet(stagedSnapshot)}`))
      .map((c) => ({ name: c.name, type: neutralType(c.type) }));
    for (const relation of FOLD_RELATIONS) await engine.run(engine.dialect.dropTemp(relation));
    crashPoint('written');

    // Data first: fsync the files, move them under their version's name, and only then commit.
    progress({ stage: 'committing' });
    await fsyncTree(runDir);
    const finalSnapshot = versionDir(layout, version);
    const finalQuarantine = rejected > 0 ? quarantineDir(layout, version) : null;
    await fs.mkdir(layout.versions, { recursive: true });
    await fs.rename(stagedSnapshot, finalSnapshot);
    await fsyncDir(layout.versions);
    if (finalQuarantine) {
      await fs.mkdir(layout.quarantine, { recursive: true });
      await fs.rename(stagedQuarantine, finalQuarantine);
      await fsyncDir(layout.quarantine);
    }
    crashPoint('published');

    const report = {
      inputRecords: Number(counts?.input_records ?? 0),
      rejectedRecords: rejected,
      inserted: Number(counts?.inserted ?? 0),
      updated: Number(counts?.updated ?? 0),
      totalKeys: Number(counts?.total_keys ?? 0),
      unmatchedSubscriptions: Number(counts?.unmatched ?? 0),
    };
    const derived = {
      ...report,
      acceptedRecords: report.inputRecords - report.rejectedRecords,
      unchanged: report.totalKeys - report.inserted - report.updated,
    };
    const commit: Commit = {
      protocol: 1,
      version,
      parent: current?.version ?? null,
      operation: 'run',
      committedAt: new Date().toISOString(),
      engine: engine.name,
      snapshotPath: toPosix(path.relative(layout.root, finalSnapshot)),
      snapshotFiles: (await fs.readdir(finalSnapshot)).filter((f) => f.endsWith('.parquet')).sort(),
      quarantinePath: finalQuarantine ? toPosix(path.relative(layout.root, finalQuarantine)) : null,
      consumed: inspected.map((f) => ({ path: f.path, date: f.date, size: f.size, sha256: f.sha256 })),
      catalog,
      policies,
      columns,
      counts: derived,
    };
    await writeCommit(layout, commit);
    crashPoint('committed');
    await fs.rm(runDir, { recursive: true, force: true });
    return {
      ...base,
      ...derived,
      committed: true,
      version,
      snapshotPath: finalSnapshot,
      quarantinePath: finalQuarantine,
      durationMs: Date.now() - started,
      message: `committed version ${version}${current ? ` (from version ${current.version})` : ' (first version)'}`,
    };
  } finally {
    await lock.release();
  }
}

function zeroCounts(current: Commit) {
  const total = current.counts.totalKeys ?? 0;
  return {
    inputRecords: 0,
    acceptedRecords: 0,
    rejectedRecords: 0,
    inserted: 0,
    updated: 0,
    unchanged: total,
    totalKeys: total,
    unmatchedSubscriptions: current.counts.unmatchedSubscriptions ?? 0,
  };
}

async function policiesRecord(config: Config): Promise<Record<string, string>> {
  const record: Record<string, string> = { ...config.policies };
  if (config.policies.pii === 'hash') record.piiKeyId = piiKeyId(await loadPiiKey(config));
  return record;
}

/** Policies that shape stored columns cannot change under an existing lake without a migration. */
function checkPoliciesCompatible(current: Commit | undefined, policies: Record<string, string>): void {
  if (!current) return;
  const before = current.policies;
  if (before.pii !== policies.pii) {
    throw new RunError(
      `the lake was built with pii policy '${before.pii}', this run asks for '${policies.pii}': ` +
        `the stored columns would change; keep '${before.pii}' or rebuild the lake from the journal`,
    );
  }
  if (before.piiKeyId !== policies.piiKeyId) {
    throw new RunError('the PII hashing key differs from the one this lake was built with: hashed values would not match; use the original key');
  }
}

/** Enrichment columns of the catalog; a subscription listed twice would duplicate keys in the join. */
async function checkCatalog(engine: Engine, plan: FoldPlan): Promise<string[]> {
  const d = engine.dialect;
  const join = plan.schema.joinField;
  const columns = await engine.columns(`SELECT * FROM ${d.readParquet(plan.catalogDir)}`);
  if (!columns.some((c) => c.name === join)) {
    throw new RunError(`the catalog has no column ${join} to join on (columns: ${columns.map((c) => c.name).join(', ')})`);
  }
  const duplicated = await engine.query(
    `SELECT CAST(${d.quote(join)} AS STRING) AS v, COUNT(*) AS n FROM ${d.readParquet(plan.catalogDir)}
     GROUP BY ${d.quote(join)} HAVING COUNT(*) > 1 LIMIT 5`,
  );
  if (duplicated.length) {
    throw new RunError(`the catalog lists ${join} ${duplicated.map((r) => `'${String(r.v)}' ${String(r.n)} times`).join(', ')}: each must appear once`);
  }
  const stateNames = new Set([plan.schema.key, ...plan.schema.fields.map((f) => f.name)]);
  return columns.map((c) => c.name).filter((n) => n !== join && !stateNames.has(n) && !n.startsWith('_'));
}

async function checkUniqueKeys(engine: Engine, config: Config, dir: string): Promise<void> {
  const key = engine.dialect.quote(config.schema.key);
  const [row] = await engine.query(
    `SELECT COUNT(*) - COUNT(DISTINCT ${key}) AS dup, COUNT(*) - COUNT(${key}) AS nulls FROM ${engine.dialect.readParquet(dir)}`,
  );
  if (Number(row?.dup) !== 0 || Number(row?.nulls) !== 0) {
    throw new RunError(`internal error: the new version has ${String(row?.dup)} duplicate and ${String(row?.nulls)} null keys; nothing was committed`);
  }
}

