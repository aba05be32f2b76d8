// `subsnap report`: one self-contained HTML page, opened in a real browser (Chromium, the Debian
// package, driven by playwright-core): it loads with no console error and no network request, every
// chart draws one mark per number it shows, light and dark; its numbers equal `subsnap log --json`
// and `subsnap validate --json`; a screenshot is written (SUBSNAP_REPORT_SCREENSHOT names where).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ReportData } from '../../src/report/report-data.js';
import { ok } from '../support/cli.js';

const CHROMIUM = process.env.SUBSNAP_CHROMIUM ?? '/usr/bin/chromium';


/** The data the page embeds (the JSON its charts are drawn from). */
function embedded(html: string): ReportData {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the page embeds its data');
  return JSON.parse(match[1]!) as ReportData;
}

describe('subsnap report', { timeout: 600_000 }, () => {
  let base: string;
  let lake: string;
  let page: string;
  let browser: Browser;

  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-report-'));
    lake = path.join(base, 'lake <b>&"x"');
    await ok(['generate', '--lake', lake, '--days', '4', '--records', '120', '--id-max', '150', '--dirty-rate', '0.02', '--duplicate-rate', '0.1']);
    for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) await ok(['run', '--lake', lake, '--until', day]);
    // A late file for day 2, and day 4: one version folds both.
    const record = (id: number) => JSON.stringify({ Id: id, active: true, subscription: 'Basic', cost: 9.99, start_date: '2023-12-01' });
    await writeFile(path.join(lake, 'journal', 'date=2024-01-02', 'late-00001.jsonl'), `${record(3)}\n${record(900)}\n`);
    await ok(['run', '--lake', lake]);
    await ok(['rollback', '3', '--lake', lake]);
    page = path.join(base, 'report.html');
    assert.equal((await ok(['report', '--lake', lake, '--out', page])).trim(), page);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await rm(base, { recursive: true, force: true });
  });

  it("its numbers are the commit log's and validate's", async () => {
    const data = embedded(await readFile(page, 'utf8'));
    const log = (await ok(['log', '--json', '--lake', lake])).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.deepEqual(data.versions.map((v) => [v.version, v.operation, v.engine, v.committedAt, v.counts, v.durationMs]),
      log.map((c) => [c.version, c.operation, c.engine, c.committedAt, c.counts, c.durationMs ?? null]));
    const validated = JSON.parse(await ok(['validate', '--json', '--lake', lake])) as { version: number; ok: boolean; checks: unknown[] };
    assert.deepEqual(data.validation, validated);
    assert.equal(data.currentVersion, 5);
    const runs = log.filter((c) => c.operation === 'run');
    assert.ok(runs.every((c) => Number.isInteger(c.counts.duplicatesResolved) && c.counts.duplicatesResolved >= 0 && Number.isInteger(c.durationMs)));
    assert.ok(runs.some((c) => c.counts.duplicatesResolved > 0), 'the generated duplicates were resolved');
    const rejected = new Map<number, number>();
    for (const r of data.rejectReasons) rejected.set(r.version, (rejected.get(r.version) ?? 0) + r.count);
    for (const c of log) if (c.counts.rejectedRecords > 0) assert.ok((rejected.get(c.version) ?? 0) >= c.counts.rejectedRecords, `version ${c.version}'s reasons cover its rejects`);
    assert.deepEqual(data.versions[3]!.days, [{ date: '2024-01-02', files: 1, late: true }, { date: '2024-01-04', files: 1, late: false }], 'the late files of day 2');
    assert.equal(data.latestRejected?.version, log.filter((c) => c.counts.rejectedRecords > 0).at(-1)!.version);
    assert.deepEqual(data.journal, { newestDay: '2024-01-04', newestFoldedDay: '2024-01-04', waitingFiles: 0, waitingDays: [] });

    // --versions: the last N; the default place is report.html in the lake folder.
    const out = (await ok(['report', '--lake', lake, '--versions', '2'])).trim();
    assert.equal(out, path.join(lake, 'report.html'));
    const two = embedded(await readFile(out, 'utf8'));
    assert.deepEqual(two.versions.map((v) => v.version), [4, 5]);
    assert.ok(two.rejectReasons.every((r) => r.version >= 4));
  });

  async function open(colorScheme: 'light' | 'dark'): Promise<{ view: Page; errors: string[]; requests: string[] }> {
    const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
    const view = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    view.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    view.on('pageerror', (e) => errors.push(e.message));
    await view.route('**/*', (route) => {
      const url = route.request().url();
      if (url === pathToFileURL(page).href) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await view.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    return { view, errors, requests };
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`loads offline with no error, and every chart draws its marks (${scheme})`, async () => {
      const { view, errors, requests } = await open(scheme);
      try {
        assert.deepEqual(errors, []);
        assert.deepEqual(requests, [], 'no network request');
        const data = embedded(await readFile(page, 'utf8'));
        const v = data.versions;
        const expected: Record<string, number> = {
          'chart-keys': v.length,
          'chart-changes': v.flatMap((x) => ['inserted', 'updated', 'unchanged'].map((k) => x.counts[k] ?? 0)).filter((n) => n > 0).length,
          'chart-rejects': data.rejectReasons.length,
          'chart-unmatched': v.length,
          'chart-duplicates': v.filter((x) => x.counts.duplicatesResolved !== undefined).length,
          'chart-days': v.flatMap((x) => x.days).length,
        };
        for (const [id, marks] of Object.entries(expected)) {
          const svg = view.locator(`#${id} .chart svg[aria-label]`).first();
          assert.equal(await svg.getAttribute('aria-label'), await view.locator(`#${id}-title`).textContent(), `${id} has its title as its label`);
          assert.ok(await svg.getAttribute('aria-description'), `${id} has a description`);
          assert.equal(await view.locator(`#${id} .chart g[aria-label="bar"] rect`).count(), marks, `${id}: one mark per number`);
        }
        // The versions table holds the commit log's counts.
        const cells = await view.locator('#versions tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
        assert.deepEqual(cells.map((r) => [r[0], r[5], r[11], r[13]]),
          v.map((x) => [String(x.version), String(x.counts.inputRecords), String(x.counts.totalKeys), x.counts.duplicatesResolved === undefined ? '—' : String(x.counts.duplicatesResolved)]));
        assert.equal(await view.locator('#checks tbody tr').count(), data.validation.checks.length);
        assert.equal(await view.locator('#validation-state').textContent(), data.validation.ok ? 'passed' : 'FAILED');
        const background = await view.locator('body').evaluate((body) => (body.ownerDocument.defaultView as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
        assert.equal(background, scheme === 'dark' ? 'rgb(13, 17, 23)' : 'rgb(255, 255, 255)');
        const title = await view.title();
        assert.ok(title.includes('lake <b>&"x"'), 'the lake name is text, not markup');
        if (scheme === 'light') {
          const shot = process.env.SUBSNAP_REPORT_SCREENSHOT ?? path.join(base, 'report.png');
          await view.screenshot({ path: shot, fullPage: true });
          assert.ok((await stat(shot)).size > 10_000);
        }
      } finally {
        await view.context().close();
      }
    });
  }
});
