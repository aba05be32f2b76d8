/**
 * Fail closed: a run whose rejected share exceeds `maxRejectedShare` commits nothing. A share that
 * high almost always means a broken producer or a schema change, not noise; the message says what
 * was rejected and, when a field is missing but a member with a near name exists, which one.
 */
import { RunError } from './run-error.js';

export const DEFAULT_MAX_REJECTED_SHARE = 0.1;

export interface RejectSummary {
  input: number;
  rejected: number;
  /** The most frequent reasons, most frequent first. */
  reasons: { reason: string; count: number }[];
  /** Top-level member names of records rejected with a missing field, with their counts. */
  memberNames: { name: string; count: number }[];
  maxShare: number;
}

export class RejectedShareError extends RunError {}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

export function exceedsShare(input: number, rejected: number, maxShare: number): boolean {
  return input > 0 && rejected / input > maxShare;
}

export function rejectedShareError(summary: RejectSummary, missingFields: string[]): RejectedShareError {
  const { input, rejected, maxShare } = summary;
  const lines = [
    `${rejected} of ${input} records were rejected (${percent(rejected / input)}), more than maxRejectedShare ${maxShare} (${percent(maxShare)}): nothing was committed`,
    '  most frequent reasons:',
    ...summary.reasons.map((r) => `    ${r.count} × ${r.reason}`),
  ];
  for (const field of missingFields) {
    const near = nearestName(field, summary.memberNames.map((m) => m.name));
    if (near) {
      const count = summary.memberNames.find((m) => m.name === near)?.count ?? 0;
      lines.push(`  hint: ${count} rejected record(s) have a member "${near}" where the schema expects "${field}": is the field named differently in this journal?`);
    }
  }
  lines.push('  fix the journal or the schema; to fold such a day anyway, run with --max-rejected-share 1 (the records then go to the quarantine)');
  return new RejectedShareError(lines.join('\n'));
}

/** The name closest to `wanted` (same letters but for case, or at most two edits away), if any. */
export function nearestName(wanted: string, names: string[]): string | undefined {
  const lower = wanted.toLowerCase();
  const sameCase = names.find((n) => n !== wanted && n.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    if (name === wanted) continue;
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(wanted.length / 2)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
