/**
 * The report as one self-contained HTML page: styles, the data (as JSON) and the charting library
 * (Observable Plot and d3, their UMD builds from node_modules) inlined, no network reference. Tables
 * are written here, escaped; charts are drawn by Plot in the browser from the same data, each an SVG
 * with a title and a text alternative (the table of its numbers, under "Data"). Light and dark
 * follow the reader's colour scheme.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportData, VersionSummary } from './report-data.js';

const umd = (pkg: string, file: string) =>
  readFileSync(path.join(path.dirname(fileURLToPath(import.meta.resolve(pkg))), '..', 'dist', file), 'utf8');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script> element: `<` escaped, so no text ends the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const n = (value: number | string | undefined | null) => (value === undefined || value === null ? '—' : String(value));
const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

function table(caption: string, head: string[], rows: (string | number)[][], attrs = ''): string {
  const cells = (r: (string | number)[]) => r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('');
  return `<table ${attrs}><caption>${escapeHtml(caption)}</caption>
<thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${cells(r)}</tr>`).join('\n')}</tbody></table>`;
}

export const VERSION_COLUMNS = [
  'version', 'committed', 'operation', 'engine', 'duration', 'inputRecords', 'acceptedRecords', 'rejectedRecords', 'inserted',
  'updated', 'unchanged', 'totalKeys', 'unmatchedSubscriptions', 'duplicatesResolved', 'catalog changed', 'columns changed', 'files',
] as const;

function versionRow(v: VersionSummary): (string | number)[] {
  const c = v.counts;
  return [
    v.version, v.committedAt, v.operation, v.engine, seconds(v.durationMs), n(c.inputRecords), n(c.acceptedRecords), n(c.rejectedRecords),
    n(c.inserted), n(c.updated), n(c.unchanged), n(c.totalKeys), n(c.unmatchedSubscriptions), n(c.duplicatesResolved),
    v.catalogChanged ? 'yes' : 'no', v.columnsChanged ? 'yes' : 'no', v.files,
  ];
}

/** A chart's place: a figure with its title, the SVG Plot draws into it, and its numbers as a table. */
function figure(id: string, title: string, description: string, data: string): string {
  return `<figure id="${id}" role="group" aria-labelledby="${id}-title">
<figcaption id="${id}-title">${escapeHtml(title)}</figcaption>
<div class="chart" data-description="${escapeHtml(description)}"></div>
<details><summary>Data</summary>${data}</details>
</figure>`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e; --rule: #d1d9e0; --bad: #b3261e; --good: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --rule: #3d444d; --bad: #ff8182; --good: #56d364; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1, h2 { font-weight: 600; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--rule); }
.muted { color: var(--muted); } .ok { color: var(--good); } .fail { color: var(--bad); font-weight: 600; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .2rem .6rem; text-align: left; vertical-align: top; }
td { max-width: 40rem; overflow-wrap: anywhere; }
figure { margin: 1.5rem 0; } figcaption { font-weight: 600; margin-bottom: .5rem; }
.chart svg { max-width: 100%; height: auto; color: var(--fg); background: transparent; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 0 2rem; }
`;

/** Draws every chart from the data (runs in the page, after Plot and d3). */
const CHARTS = `
const data = JSON.parse(document.getElementById('report-data').textContent);
const versions = data.versions;
const kinds = ['inserted', 'updated', 'unchanged'];
function draw(id, options) {
  const place = document.querySelector('#' + id + ' .chart');
  const title = document.getElementById(id + '-title').textContent;
  place.append(Plot.plot({ ...options, ariaLabel: title, ariaDescription: place.dataset.description,
    style: { background: 'transparent', color: 'currentColor', fontSize: '12px' }, marginLeft: 60 }));
}
const x = { label: 'version', type: 'band' };
draw('chart-keys', { x, y: { label: 'keys', grid: true }, marks: [Plot.barY(versions, { x: 'version', y: (v) => v.counts.totalKeys, fill: 'steelblue', title: (v) => 'version ' + v.version + ': ' + v.counts.totalKeys + ' keys' }), Plot.ruleY([0])] });
draw('chart-changes', { x, y: { label: 'keys', grid: true }, color: { legend: true, domain: kinds },
  marks: [Plot.barY(versions.flatMap((v) => kinds.map((k) => ({ version: v.version, kind: k, n: v.counts[k] ?? 0 }))).filter((d) => d.n > 0),
    { x: 'version', y: 'n', fill: 'kind', title: (d) => 'version ' + d.version + ': ' + d.n + ' ' + d.kind }), Plot.ruleY([0])] });
draw('chart-rejects', { x: { ...x, domain: versions.map((v) => v.version) }, y: { label: 'records', grid: true }, color: { legend: data.rejectReasons.length > 0 },
  marks: [Plot.barY(data.rejectReasons, { x: 'version', y: 'count', fill: 'reason', title: (d) => 'version ' + d.version + ': ' + d.count + ' × ' + d.reason }), Plot.ruleY([0])] });
draw('chart-unmatched', { x, y: { label: 'subscriptions', grid: true }, marks: [Plot.barY(versions, { x: 'version', y: (v) => v.counts.unmatchedSubscriptions ?? 0, fill: 'darkorange', title: (v) => 'version ' + v.version + ': ' + (v.counts.unmatchedSubscriptions ?? 0) + ' without a catalog match' }), Plot.ruleY([0])] });
draw('chart-duplicates', { x, y: { label: 'records', grid: true }, marks: [Plot.barY(versions.filter((v) => v.counts.duplicatesResolved !== undefined), { x: 'version', y: (v) => v.counts.duplicatesResolved, fill: 'mediumpurple', title: (v) => 'version ' + v.version + ': ' + v.counts.duplicatesResolved + ' duplicates resolved' }), Plot.ruleY([0])] });
const days = versions.flatMap((v) => v.days.map((d) => ({ ...d, version: v.version, when: d.late ? 'late' : 'first' })));
draw('chart-days', { x: { label: 'journal day', type: 'band' }, y: { label: 'files', grid: true }, color: { legend: true, domain: ['first', 'late'] },
  marks: [Plot.barY(days, { x: 'date', y: 'files', fill: 'when', title: (d) => d.date + ': ' + d.files + ' file(s) folded by version ' + d.version + (d.late ? ' (late)' : '') }), Plot.ruleY([0])] });
`;

export function reportHtml(data: ReportData): string {
  const v = data.versions;
  const rejectsTable = table('Rejected records by reason', ['version', 'reason', 'records'], data.rejectReasons.map((r) => [r.version, r.reason, r.count]), 'id="rejects"');
  const latest = data.latestRejected;
  const checks = data.validation.checks;
  const journal = data.journal;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>subsnap report: ${escapeHtml(data.lake)}</title>
<style>${STYLE}</style></head>
<body>
<h1>subsnap report</h1>
<p><span class="muted">lake</span> ${escapeHtml(data.lake)} · <span class="muted">current version</span> <strong id="current-version">${data.currentVersion}</strong> ·
<span class="muted">validation</span> <strong id="validation-state" class="${data.validation.ok ? 'ok' : 'fail'}">${data.validation.ok ? 'passed' : 'FAILED'}</strong> ·
<span class="muted">generated</span> ${escapeHtml(data.generatedAt)}</p>

<h2>Versions</h2>
<div class="grid">
${figure('chart-keys', 'Total keys per version', 'One bar per version: the keys of the snapshot.', table('Total keys', ['version', 'keys'], v.map((x) => [x.version, n(x.counts.totalKeys)])))}
${figure('chart-changes', 'Inserted, updated and unchanged keys per version', 'Stacked bars per version.', table('Changes', ['version', 'inserted', 'updated', 'unchanged'], v.map((x) => [x.version, n(x.counts.inserted), n(x.counts.updated), n(x.counts.unchanged)])))}
</div>
${table(`The last ${v.length} version(s)`, [...VERSION_COLUMNS], v.map(versionRow), 'id="versions"')}

<h2>Rejected records</h2>
${figure('chart-rejects', 'Rejected records per version, by reason', 'Stacked bars per version; a record rejected for several reasons counts under each.', rejectsTable)}
${data.quarantineRemoved.length ? `<p class="muted">Quarantine removed by vacuum (not counted above): version(s) ${data.quarantineRemoved.join(', ')}.</p>` : ''}
${latest ? table(`The first ${latest.records.length} rejected records of version ${latest.version} (as its quarantine holds them, PII policy applied)`,
    ['journal file', 'line', 'reason', 'raw'], latest.records.map((r) => [r.journal_file, r.position, r.reason, r.raw ?? '(not kept)']), 'id="latest-rejected"') : '<p>No rejected records in the versions shown.</p>'}

<h2>Catalog and duplicates</h2>
<div class="grid">
${figure('chart-unmatched', 'Subscriptions without a catalog match, per version', 'One bar per version.', table('Unmatched', ['version', 'unmatched', 'catalog changed'], v.map((x) => [x.version, n(x.counts.unmatchedSubscriptions), x.catalogChanged ? 'yes' : 'no'])))}
${figure('chart-duplicates', 'Duplicates resolved per version', 'Accepted records folded into another record of the same key; one bar per run or backfill that records it.', table('Duplicates', ['version', 'duplicates resolved'], v.filter((x) => x.counts.duplicatesResolved !== undefined).map((x) => [x.version, x.counts.duplicatesResolved!])))}
</div>

<h2>Validation of version ${data.validation.version}</h2>
${table('Data-quality checks (subsnap validate)', ['check', 'result', 'detail'], checks.map((c) => [c.name, c.skipped ? 'skipped' : c.ok ? 'ok' : 'FAIL', c.detail]), 'id="checks"')}

<h2>Journal</h2>
<p id="journal-lag">Newest journal day <strong>${n(journal.newestDay)}</strong>, newest folded <strong>${n(journal.newestFoldedDay)}</strong>;
<strong>${journal.waitingFiles}</strong> file(s) wait to be folded${journal.waitingDays.length ? ` (days ${escapeHtml(journal.waitingDays.join(', '))})` : ''}.</p>
${figure('chart-days', 'Journal files folded per day', 'Bars per journal day and version; late: a file of a day an earlier version had already folded.',
    table('Files per day', ['version', 'day', 'files', 'late'], v.flatMap((x) => x.days.map((d) => [x.version, d.date, d.files, d.late ? 'yes' : 'no']))))}

<h2>Schema and policies</h2>
${table('Per version', ['version', 'columns', 'policies'], v.map((x) => [x.version, x.columns.map((c) => `${c.name} ${c.type}`).join(', '),
    Object.entries(x.policies).map(([k, val]) => `${k}=${val}`).join(', ')]), 'id="schemas"')}

<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${umd('d3', 'd3.min.js')}</script>
<script>${umd('@observablehq/plot', 'plot.umd.min.js')}</script>
<script>${CHARTS}</script>
</body></html>
`;
}
