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
  journalFiles: string[];
  catalogChanged: boolean;
  warnings: string[];
  durationMs: number;
  message: string;
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
