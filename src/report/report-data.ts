/**
 * What `subsnap report` shows, gathered from the lake: the commit log (versions, counts, schema,
 * policies, journal files), the quarantine of each shown version (reasons, the latest rejected
 * records, already redacted by the PII policy the version was built with), the journal folder (what
 * waits to be folded) and the data-quality checks of the current version. Plain data: the page
 * (report-html.ts) only lays it out.
 */
import path from 'node:path';
import type { Engine } from '../engines/engine.js';
import { sameFingerprints } from '../lake/catalog-files.js';
import type { Commit } from '../lake/commit-log.js';
import { consumedFiles } from '../lake/commit-log.js';
import { listJournalFiles } from '../lake/journal-files.js';
import type { LakeLayout } from '../lake/layout.js';
import type { Config } from '../core/config.js';
import { lakeName, quarantinePresent, readHistory, resolveVersion, type VersionFiles } from '../core/lake-history.js';
import { parquetTable } from '../core/parquet-source.js';
import { validateSnapshot, type CheckResult } from '../core/validate-snapshot.js';

export interface VersionSummary {
  version: number;
  parent: number | null;
  operation: Commit['operation'];
  engine: string;
  committedAt: string;
  durationMs: number | null;
  counts: Record<string, number>;
  /** The catalog's files differ from the version before. */
  catalogChanged: boolean;
  /** The stored columns differ from the version before. */
  columnsChanged: boolean;
  columns: { name: string; type: string }[];
  policies: Record<string, string>;
  /** Journal files this version folded, by day; `late`: the day had been folded by an earlier version. */
  days: { date: string; files: number; late: boolean }[];
  files: VersionFiles['state'];
}

export interface ReportData {
  lake: string;
  generatedAt: string;
  currentVersion: number;
  /** Oldest first; the last `--versions` of the log. */
  versions: VersionSummary[];
  rejectReasons: { version: number; reason: string; count: number }[];
  /** The most recent version with rejects: its first records, as its quarantine holds them. */
  latestRejected: { version: number; records: { journal_file: string; position: string; reason: string; raw: string | null }[] } | null;
  /** Rejects not counted because vacuum removed a version's quarantine. */
  quarantineRemoved: number[];
  validation: { version: number; ok: boolean; checks: CheckResult[] };
  journal: { newestDay: string | null; newestFoldedDay: string | null; waitingFiles: number; waitingDays: string[] };
}

const LATEST_REJECTED = 20;

/** One summary per commit; a day is late in a version when an earlier version already folded files of it. */
function summaries(commits: Commit[], files: Map<number, VersionFiles>): VersionSummary[] {
  const foldedDays = new Set<string>();
  return commits.map((c, i) => {
    const before = commits[i - 1];
    const byDay = new Map<string, number>();
    for (const f of c.consumed) byDay.set(f.date, (byDay.get(f.date) ?? 0) + 1);
    const days = [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([date, n]) => ({ date, files: n, late: foldedDays.has(date) }));
    for (const d of byDay.keys()) foldedDays.add(d);
    return {
      version: c.version, parent: c.parent, operation: c.operation, engine: c.engine, committedAt: c.committedAt,
      durationMs: c.durationMs ?? null, counts: c.counts,
      catalogChanged: before !== undefined && !sameFingerprints(before.catalog, c.catalog),
      columnsChanged: before !== undefined && JSON.stringify(before.columns) !== JSON.stringify(c.columns),
      columns: c.columns, policies: c.policies, days, files: files.get(c.version)?.state ?? 'present',
    };
  });
}

/** Rejected records by reason (a record rejected for several reasons counts under each). */
async function rejects(engine: Engine, layout: LakeLayout, shown: Commit[]): Promise<Pick<ReportData, 'rejectReasons' | 'latestRejected' | 'quarantineRemoved'>> {
  const rejectReasons: ReportData['rejectReasons'] = [];
  const quarantineRemoved: number[] = [];
  let latestRejected: ReportData['latestRejected'] = null;
  for (const c of shown) {
    if (!c.quarantinePath) continue;
    if (!(await quarantinePresent(layout, c))) {
      quarantineRemoved.push(c.version);
      continue;
    }
    const table = await parquetTable(engine, layout.storage, path.join(layout.root, c.quarantinePath));
    const rows = await engine.query(`SELECT reason, COUNT(*) AS n FROM ${table} GROUP BY reason`);
    const byReason = new Map<string, number>();
    for (const r of rows) for (const reason of String(r.reason).split('; ')) byReason.set(reason, (byReason.get(reason) ?? 0) + Number(r.n));
    for (const [reason, count] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) rejectReasons.push({ version: c.version, reason, count });
    const records = await engine.query(`SELECT journal_file, CAST(position AS STRING) AS position, reason, raw FROM ${table} ORDER BY journal_file, position LIMIT ${LATEST_REJECTED}`);
    latestRejected = {
      version: c.version,
      records: records.map((r) => ({ journal_file: String(r.journal_file), position: String(r.position), reason: String(r.reason), raw: r.raw === null ? null : String(r.raw) })),
    };
  }
  return { rejectReasons, latestRejected, quarantineRemoved };
}

async function journalLag(layout: LakeLayout, commits: Commit[]): Promise<ReportData['journal']> {
  const { files } = await listJournalFiles(layout.journal, layout.storage);
  const consumed = consumedFiles(commits);
  const waiting = files.filter((f) => !consumed.has(f.path));
  const newest = (dates: string[]) => dates.reduce<string | null>((max, d) => (max === null || d > max ? d : max), null);
  return {
    newestDay: newest(files.map((f) => f.date)),
    newestFoldedDay: newest([...consumed.values()].map((f) => f.date)),
    waitingFiles: waiting.length,
    waitingDays: [...new Set(waiting.map((f) => f.date))].sort(),
  };
}

export async function gatherReport(engine: Engine, config: Config, layout: LakeLayout, options: { versions: number }): Promise<ReportData> {
  const { commits, files } = await readHistory(layout);
  const shown = commits.slice(-Math.max(1, options.versions));
  const current = await resolveVersion(layout, {}, commits);
  const checks = await validateSnapshot(engine, config, current);
  return {
    lake: lakeName(layout),
    generatedAt: new Date().toISOString(),
    currentVersion: current.commit.version,
    versions: summaries(commits, files).slice(-shown.length),
    ...(await rejects(engine, layout, shown)),
    validation: { version: current.commit.version, ok: checks.every((c) => c.ok), checks },
    journal: await journalLag(layout, commits),
  };
}
