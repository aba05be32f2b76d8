import type { Commit } from '../lake/commit-log.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Maps arrive as lists of {key, value}; people read them as objects. */
export function plainValue(value: unknown): unknown {
  if (Array.isArray(value) && value.every((e) => e && typeof e === 'object' && 'key' in e && 'value' in e)) {
    return Object.fromEntries(value.map((e: { key: string; value: unknown }) => [e.key, e.value]));
  }
  return value;
}

export function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plainValue(v)]));
}

const cell = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

export function formatRows(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)';
  const header = Object.keys(rows[0]!);
  return table(header, rows.map((r) => header.map((h) => cell(plainValue(r[h])))));
}

export function formatLog(commits: Commit[]): string {
  const header = ['version', 'from', 'committed at', 'operation', 'engine', 'files', 'input', 'rejected', 'inserted', 'updated', 'keys'];
  const rows = commits.map((c) => [
    String(c.version), c.parent === null ? '' : String(c.parent), c.committedAt, c.operation, c.engine, String(c.consumed.length),
    ...['inputRecords', 'rejectedRecords', 'inserted', 'updated', 'totalKeys'].map((k) => String(c.counts[k] ?? '')),
  ]);
  return table(header, rows);
}
