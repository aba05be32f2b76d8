import type { Commit } from '../lake/commit-log.js';
import { lakeLocation, type LakeLayout } from '../lake/layout.js';

/** What a run did; `subsnap run --json` prints it as it is. */
export interface RunReport {
  committed: boolean;
  /** The version committed by this run, or the current one when nothing was committed. */
  version: number | null;
  previousVersion: number | null;
  snapshotPath: string | null;
  quarantinePath: string | null;
  engine: string;
  inputRecords: number;
  acceptedRecords: number;
  rejectedRecords: number;
  inserted: number;
  updated: number;
  unchanged: number;
  totalKeys: number;
  unmatchedSubscriptions: number;
  /** Accepted records folded into another record of the same key (a run or backfill that committed). */
  duplicatesResolved?: number;
  journalFiles: string[];
  catalogChanged: boolean;
  warnings: string[];
  durationMs: number;
  message: string;
}

/** Counts of a version that folded nothing: every key unchanged. */
export function unchangedCounts(commit: Commit) {
  const total = commit.counts.totalKeys ?? 0;
  return {
    inputRecords: 0,
    acceptedRecords: 0,
    rejectedRecords: 0,
    inserted: 0,
    updated: 0,
    unchanged: total,
    totalKeys: total,
    unmatchedSubscriptions: commit.counts.unmatchedSubscriptions ?? 0,
  };
}

/** The report of an operation that found nothing to do: `current` stays the current version. */
export function uncommittedReport(
  layout: LakeLayout, current: Commit, engine: string, started: number, message: string, extra: Partial<RunReport> = {},
): RunReport {
  return {
    engine,
    previousVersion: current.version,
    journalFiles: [],
    catalogChanged: false,
    warnings: [],
    ...unchangedCounts(current),
    committed: false,
    version: current.version,
    snapshotPath: lakeLocation(layout, current.snapshotPath),
    quarantinePath: null,
    durationMs: Date.now() - started,
    message,
    ...extra,
  };
}

export function formatReport(r: RunReport): string {
  const lines = [r.message];
  if (r.committed) {
    lines.push(
      `  records  ${r.inputRecords} read = ${r.acceptedRecords} accepted + ${r.rejectedRecords} quarantined`,
      `  keys     ${r.totalKeys} total: ${r.inserted} inserted, ${r.updated} updated, ${r.unchanged} unchanged`,
      `  catalog  ${r.unmatchedSubscriptions} rows without a catalog match${r.catalogChanged ? ' (catalog changed)' : ''}`,
      `  files    ${r.journalFiles.length} journal file(s) folded`,
      `  output   ${r.snapshotPath}`,
    );
    if (r.quarantinePath) lines.push(`  rejects  ${r.quarantinePath}`);
  }
  for (const warning of r.warnings) lines.push(`  warning: ${warning}`);
  lines.push(`  took ${(r.durationMs / 1000).toFixed(2)} s on ${r.engine}`);
  return lines.join('\n');
}
