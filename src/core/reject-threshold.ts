/**
 * Fail closed: a run whose rejected share exceeds `maxRejectedShare`, or whose share of one journal
 * date's records does, commits nothing. A share that high almost always means a broken producer or a
 * schema change, not noise; the message says what was rejected (on which date, when one date alone
 * is over) and, when a field is missing but a member with a near name exists, which one.
 */
import { nearestName } from './near-name.js';
import { RunError } from './run-error.js';

export const DEFAULT_MAX_REJECTED_SHARE = 0.1;

export interface RejectSummary {
  input: number;
  rejected: number;
  /** The journal date whose records these are, when the run as a whole is within the threshold. */
  day?: string;
  /** The run's other journal dates over the threshold, if any. */
  otherDays?: { day: string; input: number; rejected: number }[];
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
    `${rejected} of ${input} records${summary.day === undefined ? '' : ` of journal date ${summary.day}`} were rejected (${percent(rejected / input)}), more than maxRejectedShare ${maxShare} (${percent(maxShare)}): nothing was committed`,
    ...(summary.otherDays?.length
      ? [`  also over it: ${summary.otherDays.map((d) => `${d.day} (${d.rejected} of ${d.input})`).join(', ')}`] : []),
    `  most frequent reasons${summary.day === undefined ? '' : ` on ${summary.day}`}:`,
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
