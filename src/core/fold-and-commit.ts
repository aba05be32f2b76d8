import path from 'node:path';
import type { Engine, TextInput } from '../engines/engine.js';
import { fingerprintCatalog, sameFingerprints } from '../lake/catalog-files.js';
import { deltaSchemaProblem } from '../lake/delta-log.js';
import { writeCommit, type Commit, type FileFingerprint } from '../lake/commit-log.js';
import { compareJournalFiles, JournalReadError, type JournalFile } from '../lake/journal-files.js';
import { prepareJournalFile, type PrepareOptions, type PreparedJournalFile } from '../lake/journal-text.js';
import { lakeLocation, quarantineDir, versionDir, type LakeLayout } from '../lake/layout.js';
import type { LakeStorage } from '../lake/storage/lake-storage.js';
import { withRunStaging } from '../lake/run-staging.js';
import { CHUNK_BYTES } from '../lake/text-chunks.js';
import { neutralType } from './column-types.js';
import type { Config } from './config.js';
import { crashPoint } from './fault-points.js';
import {
  countsQuery, FOLD_RELATIONS, FOLD_RELATIONS_DONE_BEFORE_WRITE, FOLD_VIEWS, foldStatements, outputSelect, quarantineSelect,
  rejectedByDayQuery, rejectedOf, rejectReasonsQuery, type FileOrder, type FoldPlan,
} from './fold-sql.js';
import { parquetTable } from './parquet-source.js';
import { hmacPads, loadPiiKey, piiKeyId } from './pii-key.js';
import { DEFAULT_MAX_REJECTED_SHARE, exceedsShare, rejectedShareError } from './reject-threshold.js';
import type { RunReport } from './run-report.js';
import { RunError } from './run-error.js';
import type { WriterSession } from './writer-session.js';

export { RunError };

export type Progress = (event: { stage: string; done?: number; total?: number }) => void;

export const toPosix = (p: string) => p.split(path.sep).join('/');

export interface FoldRequest {
  /** The version to fold onto (absent: an empty snapshot). */
  base: Commit | undefined;
  files: JournalFile[];
  operation: 'run' | 'backfill';
  /** As recorded in the commit (see policiesRecord). */
  policies: Record<string, string>;
  catalog: FileFingerprint[];
  catalogChanged: boolean;
  warnings: string[];
  started: number;
}

/** The catalog's fingerprint; a lake without a catalog cannot be enriched. */
export async function requireCatalog(layout: LakeLayout): Promise<FileFingerprint[]> {
  const catalog = await fingerprintCatalog(layout.catalog, layout.storage);
  if (catalog.length === 0) {
    throw new RunError(`no catalog: put the subscription catalog as Parquet under ${layout.storage.engineLocation(layout.catalog)} (subsnap generate writes one)`);
  }
  return catalog;
}

/**
 * The day's keys are broadcast (the previous version is read as it lies) while its journal files hold
 * at most this many bytes (some 10 million records); above, both sides are partitioned by key.
 */
export const DEFAULT_BROADCAST_JOURNAL_BYTES = 2 * 1024 ** 3;

export const maxRejectedShare = (config: Config) => config.maxRejectedShare ?? DEFAULT_MAX_REJECTED_SHARE;

/** Policies as the commit log records them (with a fingerprint of the PII key, never the key). */
export async function policiesRecord(config: Config): Promise<Record<string, string>> {
  const record: Record<string, string> = { ...config.policies, maxRejectedShare: String(maxRejectedShare(config)) };
  if (config.policies.pii === 'hash') record.piiKeyId = piiKeyId(await loadPiiKey(config));
  return record;
}

/**
 * Folds `files` onto `base` and commits the result as the next version: data files first (staged,
 * fsynced, renamed under the version's name), the commit record last.
 */
export async function foldAndCommit(
  session: WriterSession,
  engine: Engine,
  config: Config,
  request: FoldRequest,
  progress: Progress = () => undefined,
): Promise<RunReport> {
  const runDir = path.join(session.layout.staging, `run-${process.pid}-${request.started}`);
  return withRunStaging(session.layout.storage, runDir, () => foldInto(runDir, session, engine, config, request, progress));
}

async function foldInto(
  runDir: string, session: WriterSession, engine: Engine, config: Config, request: FoldRequest, progress: Progress,
): Promise<RunReport> {
  const { layout, current } = session;
  const { storage } = layout;
  const { base, files, policies } = request;
  const prepared: PreparedJournalFile[] = [];
  const rawFiles = engine.dialect.journalReading === 'raw-files';
  // An engine that reads prepared texts reads a large file in chunks (cut while the file is checked,
  // or from its copy when its text needs one).
  const chunks = { dir: path.join(runDir, 'chunks'), bytes: config.readChunkBytes ?? CHUNK_BYTES };
  for (const [i, file] of files.entries()) {
    progress({ stage: 'reading journal files', done: i, total: files.length });
    const options: PrepareOptions = rawFiles ? { rawFiles, storage } : { storage, chunks: { ...chunks, prefix: String(i) } };
    prepared.push(await prepareJournalFile(file, runDir, options));
  }
  progress({ stage: 'reading journal files', done: files.length, total: files.length });
  crashPoint('inspected');

  const version = (current?.version ?? 0) + 1;
  const fileOrder = journalFileOrder(session.commits, files);
  // The engine's scratch folder, read back by path: named through the engine's path seam (a lake
  // whose path holds glob characters must not make a staged relation a pattern).
  await storage.ensureDir(path.join(runDir, 'engine'));
  const [scratchDir] = await engine.readPaths([storage.engineLocation(path.join(runDir, 'engine'))]);
  const catalogOfBase = base !== undefined && sameFingerprints(base.catalog, request.catalog);
  const plan: FoldPlan = {
    schema: config.schema,
    policies: config.policies,
    inputs: await textInputs(engine, storage, prepared, fileOrder),
    fileOrder,
    previousTable: base ? await parquetTable(engine, storage, path.join(layout.root, base.snapshotPath), base.snapshotFiles) : undefined,
    catalogTable: await parquetTable(engine, storage, layout.catalog, request.catalog.map((f) => f.path)),
    scratchDir: scratchDir!,
    broadcastKeys: prepared.reduce((sum, f) => sum + f.size, 0) <= (config.broadcastJournalBytes ?? DEFAULT_BROADCAST_JOURNAL_BYTES),
    // The base's row count as committed (its files are checked against it through the written rows);
    // its unmatched rows hold while the catalog is the one it was enriched with.
    previousCounts: base ? { rows: committedRows(base), ...(catalogOfBase ? { unmatched: base.counts.unmatchedSubscriptions } : {}) } : undefined,
  };
  if (config.policies.pii === 'hash') {
    const pads = hmacPads(await loadPiiKey(config));
    plan.piiPads = { innerHex: pads.inner.toString('hex'), outerHex: pads.outer.toString('hex') };
  }
  progress({ stage: 'folding' });
  const enrichment = await checkCatalog(engine, plan, { checkedByBase: catalogOfBase });
  for (const statement of foldStatements(engine.dialect, plan)) await engine.run(statement);
  await checkEngineReadText(engine, plan, prepared);
  const [row] = await engine.query(countsQuery(engine.dialect, plan));
  const counts = Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)]));
  checkKeyCounts(counts, base);
  await checkRejectedShare(engine, config, { input: counts.input_records!, rejected: counts.rejected_records! }, new Set(files.map((f) => f.date)).size);
  const totalKeys = counts.previous_rows! + counts.inserted!;
  crashPoint('folded');

  progress({ stage: 'writing Parquet' });
  const staged = await writeStagedFiles(engine, storage, plan, enrichment, runDir, { rejected: counts.rejected_records!, totalKeys }, base);
  const rejected = counts.rejected_records!;
  checkDeltaColumns(staged.columns);
  crashPoint('written');

  progress({ stage: 'committing' });
  const published = await publishVersion(layout, version, staged.snapshot, staged.quarantine);
  const inputRecords = counts.input_records!;
  const inserted = counts.inserted!;
  const updated = counts.updated!;
  const derived = {
    inputRecords,
    acceptedRecords: inputRecords - rejected,
    rejectedRecords: rejected,
    inserted,
    updated,
    unchanged: totalKeys - inserted - updated,
    totalKeys,
    unmatchedSubscriptions: counts.previous_unmatched! - counts.replaced_unmatched! + counts.changed_unmatched!,
    // Accepted records folded into another record of the same key (one decided row per key).
    duplicatesResolved: inputRecords - rejected - counts.decided_rows!,
  };
  await session.assertLockHeld();
  await writeCommit(layout, {
    version,
    parent: base?.version ?? null,
    operation: request.operation,
    committedAt: new Date().toISOString(),
    engine: engine.name,
    ...published,
    consumed: prepared.map((f) => ({ path: f.path, date: f.date, size: f.size, checksum: f.checksum })),
    catalog: request.catalog,
    policies,
    schema: config.schema,
    columns: staged.columns,
    counts: derived,
    durationMs: Date.now() - request.started,
  });
  crashPoint('committed');
  return {
    engine: engine.name,
    previousVersion: current?.version ?? null,
    journalFiles: files.map((f) => f.path),
    catalogChanged: request.catalogChanged,
    warnings: request.warnings,
    ...derived,
    committed: true,
    version,
    snapshotPath: lakeLocation(layout, published.snapshotPath),
    quarantinePath: published.quarantinePath ? lakeLocation(layout, published.quarantinePath) : null,
    durationMs: Date.now() - request.started,
    message: `committed version ${version}${base ? ` (from version ${base.version})` : ' (from an empty snapshot)'}`,
  };
}

/**
 * Writes the quarantine (read from `checked`), then the snapshot (streamed from the previous version
 * and `decided`), then drops the fold's relations. Relations the snapshot does not need are dropped
 * before it is written, when the engine holds them in memory.
 */
async function writeStagedFiles(
  engine: Engine, storage: LakeStorage, plan: FoldPlan, enrichment: string[], runDir: string,
  expected: { rejected: number; totalKeys: number }, base: Commit | undefined,
): Promise<{ snapshot: string; quarantine: string | null; columns: { name: string; type: string }[] }> {
  const d = engine.dialect;
  const snapshot = path.join(runDir, 'snapshot');
  const quarantine = expected.rejected > 0 ? path.join(runDir, 'quarantine') : null;
  if (quarantine) {
    await storage.ensureDir(quarantine);
    await engine.run(d.writeParquet(quarantineSelect(d, plan), storage.engineLocation(quarantine)));
  }
  for (const relation of FOLD_RELATIONS_DONE_BEFORE_WRITE) await engine.run(d.dropTemp(relation));
  await storage.ensureDir(snapshot);
  await engine.run(d.writeParquet(outputSelect(d, plan, enrichment), storage.engineLocation(snapshot)));
  await checkWrittenRows(engine, storage, snapshot, expected.totalKeys, base);
  const columns = (await engine.columns(`SELECT * FROM ${await parquetTable(engine, storage, snapshot)}`))
    .map((c) => ({ name: c.name, type: neutralType(c.type) }));
  for (const view of FOLD_VIEWS) await engine.run(d.dropView(view));
  const remaining = FOLD_RELATIONS.filter((r) => !(FOLD_RELATIONS_DONE_BEFORE_WRITE as readonly string[]).includes(r));
  for (const relation of [...remaining, ...d.journalTemps]) await engine.run(d.dropTemp(relation));
  return { snapshot, quarantine, columns };
}

/** The row count a version's commit records (what its files are checked against). */
function committedRows(commit: Commit): number {
  const rows = commit.counts.totalKeys;
  if (rows === undefined) throw new RunError(`the commit of version ${commit.version} records no row count (counts.totalKeys); nothing was committed`);
  return rows;
}

/**
 * The natural order of every journal file of the dates this fold reads, those folded by earlier
 * commits included (a row of the previous version may come from one of them).
 */
function journalFileOrder(commits: Commit[], files: JournalFile[]): FileOrder[] {
  const dates = new Set(files.map((f) => f.date));
  const all = new Map<string, { path: string; date: string }>();
  for (const commit of commits) for (const f of commit.consumed) if (dates.has(f.date)) all.set(f.path, f);
  for (const f of files) all.set(f.path, f);
  return [...all.values()].sort(compareJournalFiles).map((f, rank) => ({ journalFile: f.path, journalDate: f.date, rank }));
}

/**
 * What the engine reads: each file's record lines, in chunks of bounded size (prepared for it), or
 * whole when the engine splits files itself.
 */
async function textInputs(engine: Engine, storage: LakeStorage, files: PreparedJournalFile[], order: FileOrder[]): Promise<TextInput[]> {
  const rank = new Map(order.map((f) => [f.journalFile, f.rank]));
  const pieces: Omit<TextInput, 'textPath'>[] = [];
  const paths: string[] = [];
  for (const f of files) {
    for (const chunk of f.chunks ?? [{ path: f.textPath, firstLine: 1 }]) {
      paths.push(storage.engineLocation(chunk.path));
      pieces.push({ journalFile: f.path, journalDate: f.date, fileRank: rank.get(f.path)!, firstLine: chunk.firstLine });
    }
  }
  const readable = await engine.readPaths(paths);
  return pieces.map((piece, i) => ({ ...piece, textPath: readable[i]! }));
}

/**
 * Journal text no module checked (a line-delimited file on a cluster, read by the engine only) must
 * be UTF-8, as on a local disk: an engine would decode a wrong byte as U+FFFD and fold that.
 */
async function checkEngineReadText(engine: Engine, plan: FoldPlan, files: PreparedJournalFile[]): Promise<void> {
  const unchecked = files.filter((f) => !f.textChecked);
  if (unchecked.length === 0) return;
  const query = engine.dialect.invalidUtf8Query?.(plan.inputs, plan.scratchDir);
  if (!query) throw new RunError(`the ${engine.name} engine cannot check that journal text is UTF-8: ${unchecked[0]!.path} cannot be read`);
  const [bad] = await engine.query(query);
  if (bad) throw new JournalReadError(String(bad.journal_file), `not valid UTF-8 (line ${String(bad.position)})`);
}

/** Every committed version has its Delta entry: columns without a Delta type are refused before the commit. */
export function checkDeltaColumns(columns: { name: string; type: string }[]): void {
  const problem = deltaSchemaProblem(columns);
  if (problem) throw new RunError(`${problem} (supported: bigint, int, boolean, string, date, double, decimal, map); nothing was committed: drop or cast that catalog column`);
}

/**
 * Fail closed: too large a rejected share commits nothing (see reject-threshold.ts), for the run and
 * for each journal date it folds (a run of one date needs no second look).
 */
async function checkRejectedShare(engine: Engine, config: Config, run: { input: number; rejected: number }, days: number): Promise<void> {
  const maxShare = maxRejectedShare(config);
  let over: { input: number; rejected: number; day?: string } | undefined = exceedsShare(run.input, run.rejected, maxShare) ? run : undefined;
  let otherDays: { day: string; input: number; rejected: number }[] = [];
  if (!over && days > 1) {
    const perDay = (await engine.query(rejectedByDayQuery())).map((r) => ({ day: String(r.day), input: Number(r.input), rejected: Number(r.rejected) }));
    [over, ...otherDays] = perDay.filter((d) => exceedsShare(d.input, d.rejected, maxShare));
  }
  if (!over) return;
  const d = engine.dialect;
  const reasons = (await engine.query(rejectReasonsQuery(d, 8, over.day))).map((r) => ({ reason: String(r.reason), count: Number(r.n) }));
  const key = config.schema.key;
  const missing = [key, ...config.schema.fields.map((f) => f.name)].filter((f) => reasons.some((r) => r.reason.split('; ').includes(`${f}: missing`)));
  const memberNames = missing.length
    ? (await engine.query(d.memberNamesQuery(`SELECT raw FROM (${rejectedOf(d, over.day)}) r`, 50))).map((r) => ({ name: String(r.name), count: Number(r.n) }))
    : [];
  throw rejectedShareError({ ...over, otherDays, reasons, memberNames, maxShare }, missing);
}

/**
 * Data first: make the staged files durable, then move them under the version's name. Only what is
 * published is synced: the run's scratch (journal copies and chunks) is never read after a crash.
 */
export async function publishVersion(
  layout: LakeLayout,
  version: number,
  stagedSnapshot: string,
  stagedQuarantine: string | null,
): Promise<Pick<Commit, 'snapshotPath' | 'snapshotFiles' | 'quarantinePath'>> {
  const { storage } = layout;
  await storage.syncTree(stagedSnapshot);
  if (stagedQuarantine) await storage.syncTree(stagedQuarantine);
  const finalSnapshot = versionDir(layout, version);
  await storage.ensureDir(layout.versions);
  await storage.rename(stagedSnapshot, finalSnapshot);
  await storage.syncFolder(layout.versions);
  let finalQuarantine: string | null = null;
  if (stagedQuarantine) {
    finalQuarantine = quarantineDir(layout, version);
    await storage.ensureDir(layout.quarantine);
    await storage.rename(stagedQuarantine, finalQuarantine);
    await storage.syncFolder(layout.quarantine);
  }
  crashPoint('published');
  return {
    snapshotPath: toPosix(path.relative(layout.root, finalSnapshot)),
    snapshotFiles: (await storage.list(finalSnapshot)).filter((f) => f.endsWith('.parquet')).sort(),
    quarantinePath: finalQuarantine ? toPosix(path.relative(layout.root, finalQuarantine)) : null,
  };
}

/**
 * Enrichment columns of the catalog; a subscription listed twice would duplicate keys in the join
 * (not looked for again when the base version was committed with the same catalog files, which the
 * run that committed it checked).
 */
export async function checkCatalog(
  engine: Engine, plan: Pick<FoldPlan, 'schema' | 'catalogTable'>, { checkedByBase = false } = {},
): Promise<string[]> {
  const d = engine.dialect;
  const join = plan.schema.joinField;
  const catalog = plan.catalogTable;
  const columns = await engine.columns(`SELECT * FROM ${catalog}`);
  if (!columns.some((c) => c.name === join)) {
    throw new RunError(`the catalog has no column ${join} to join on (columns: ${columns.map((c) => c.name).join(', ')})`);
  }
  const duplicated = checkedByBase ? [] : await engine.query(
    `SELECT CAST(${d.identifier(join)} AS STRING) AS v, COUNT(*) AS n FROM ${catalog}
     GROUP BY ${d.identifier(join)} HAVING COUNT(*) > 1 LIMIT 5`,
  );
  if (duplicated.length) {
    throw new RunError(`the catalog lists ${join} ${duplicated.map((r) => `'${String(r.v)}' ${String(r.n)} times`).join(', ')}: each must appear once`);
  }
  const stateNames = new Set([plan.schema.key, ...plan.schema.fields.map((f) => f.name)]);
  return columns.map((c) => c.name).filter((n) => n !== join && !stateNames.has(n) && !n.startsWith('_'));
}

/**
 * Uniqueness, checked by induction: the base version holds one row per key (checked when it was
 * committed, with the row count recorded then); `decided` holds one row per key, none null; so the
 * new state, the base with `decided`'s inserts and replacements applied, holds one row per key
 * exactly when it has base + inserted rows, which checkWrittenRows verifies on the written files. A
 * lost or duplicated row anywhere (a key replaced twice, a join that multiplies rows, base files that
 * no longer hold the rows their commit records) changes that count. `subsnap validate` checks
 * uniqueness directly on the files.
 */
export function checkKeyCounts(counts: Record<string, number>, base: Commit | undefined): void {
  const problems: string[] = [];
  if (counts.decided_keys !== counts.decided_rows) problems.push(`${counts.decided_rows! - counts.decided_keys!} keys decided twice`);
  if (counts.decided_present_keys !== counts.decided_rows) problems.push(`${counts.decided_rows! - counts.decided_present_keys!} null keys`);
  if (problems.length === 0) return;
  // A key decided twice is also what a base row duplicated since its commit makes of a key the day replaces.
  const cause = base ? ` (or ${changedBase(base)})` : '';
  throw new RunError(`internal error: ${problems.join('; ')}${cause}; nothing was committed`);
}

/** The other cause of a count that does not add up: the base's files changed since its commit. */
const changedBase = (base: Commit) =>
  `the files of version ${base.version} no longer hold the ${base.counts.totalKeys} rows its commit records (\`subsnap validate\` checks them)`;

/**
 * The written files hold exactly the rows counted (the Parquet footers' counts: no data is read).
 * Every row of the base streams into the new version but those replaced, so a base whose files lost
 * or gained rows since its commit shows here too.
 */
export async function checkWrittenRows(
  engine: Engine, storage: LakeStorage, dir: string, expected: number, base: Commit | undefined,
): Promise<void> {
  const [row] = await engine.query(`SELECT COUNT(*) AS n FROM ${await parquetTable(engine, storage, dir)}`);
  const written = Number(row?.n);
  if (written === expected) return;
  const baseFiles = base ? `${changedBase(base)}, or ` : '';
  throw new RunError(`${written} rows were written where the new state has ${expected}: ${baseFiles}a row was lost or duplicated (an internal error); nothing was committed`);
}

export async function checkUniqueKeys(engine: Engine, config: Config, storage: LakeStorage, dir: string): Promise<void> {
  const key = engine.dialect.identifier(config.schema.key);
  const [row] = await engine.query(
    `SELECT COUNT(*) - COUNT(DISTINCT ${key}) AS dup, COUNT(*) - COUNT(${key}) AS nulls FROM ${await parquetTable(engine, storage, dir)}`,
  );
  if (Number(row?.dup) !== 0 || Number(row?.nulls) !== 0) {
    throw new RunError(`internal error: the new version has ${String(row?.dup)} duplicate and ${String(row?.nulls)} null keys; nothing was committed`);
  }
}
