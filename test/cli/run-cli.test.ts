// End to end: the CLI on real journal files and a real engine.
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readQuarantine, readVersionRows, removeLake, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

const line = (r: Record<string, unknown>) => JSON.stringify(r);
const rec = (Id: number, extra: Record<string, unknown> = {}) =>
  line({ Id, active: true, subscription: 'basic', customer_first_name: 'Ann', customer_last_name: 'Lee', cost: 10, start_date: '2023-01-01', end_date: '2023-12-31', ...extra });

describe('subsnap generate + run + validate + show + log', () => {
  let lake: string;
  before(async () => {
    lake = await tempLake();
  });
  after(() => removeLake(lake));

  it('generates the brief-sized journal deterministically, one day at a time or all at once', async () => {
    const all = await subsnap(['generate', '--lake', path.join(lake, 'all'), '--days', '3', '--json']);
    assert.equal(all.code, 0, all.stderr);
    const summary = JSON.parse(all.stdout);
    assert.equal(summary.files.length, 3);
    assert.equal(summary.records, 300);
    for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) {
      const one = await subsnap(['generate', '--lake', path.join(lake, 'one'), '--day', day]);
      assert.equal(one.code, 0, one.stderr);
      const file = `journal/date=${day}/part-00000.jsonl`;
      assert.deepEqual(await readFile(path.join(lake, 'one', file)), await readFile(path.join(lake, 'all', file)));
    }
  });

  it('builds the snapshot day by day, then says there is nothing new', async () => {
    const demo = path.join(lake, 'one');
    const first = await runJson(demo, ['--until', '2024-01-01']);
    assert.equal(first.version, 1);
    assert.deepEqual(first.journalFiles, ['date=2024-01-01/part-00000.jsonl']);
    assert.equal(first.inputRecords, first.acceptedRecords + first.rejectedRecords);
    const second = await runJson(demo);
    assert.equal(second.version, 2);
    assert.equal(second.journalFiles.length, 2);
    assert.ok(second.updated > 0, 'Ids recur across days');
    assert.equal(second.totalKeys, second.inserted + second.updated + second.unchanged);
    assert.ok(path.isAbsolute(second.snapshotPath));
    for (const field of ['inputRecords', 'acceptedRecords', 'rejectedRecords', 'inserted', 'updated', 'unchanged', 'totalKeys', 'unmatchedSubscriptions', 'durationMs']) {
      assert.equal(typeof second[field], 'number', field);
    }
    const again = await runJson(demo);
    assert.equal(again.committed, false);
    assert.equal(again.version, 2);
    const human = await subsnap(['run', '--lake', demo]);
    assert.match(human.stdout, /nothing new/);
  });

  it('validates, shows and logs the versions', async () => {
    const demo = path.join(lake, 'one');
    const valid = await subsnap(['validate', '--lake', demo]);
    assert.equal(valid.code, 0, valid.stdout + valid.stderr);
    assert.match(valid.stdout, /8\/8 checks passed/);
    const v1 = await subsnap(['validate', '--lake', demo, '--version', '1', '--json']);
    assert.equal(JSON.parse(v1.stdout).version, 1);
    const shown = await subsnap(['show', '--lake', demo, '--limit', '3', '--json']);
    const rows = shown.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, 3);
    assert.equal(typeof rows[0].extras, 'object');
    assert.ok(!('customer_first_name' in rows[0]), 'PII dropped by default');
    const one = await subsnap(['show', '--lake', demo, '--id', rows[1].Id, '--json']);
    assert.equal(JSON.parse(one.stdout).Id, rows[1].Id);
    const log = await subsnap(['log', '--lake', demo]);
    assert.match(log.stdout, /^1 .*\n2 +1 /m);
    const none = await subsnap(['show', '--lake', demo, '--version', '9']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no version 9: versions are 1\.\.2/);
  });

  it('fails validation when a committed version is tampered with', async () => {
    const demo = path.join(lake, 'one');
    const log = (await subsnap(['log', '--lake', demo, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const commitFile = path.join(demo, 'snapshot', '_log', '00000002.json');
    const original = await readFile(commitFile, 'utf8');
    const commit = JSON.parse(original);
    commit.counts.totalKeys += 1;
    await chmod(commitFile, 0o644);
    await writeFile(commitFile, JSON.stringify(commit));
    try {
      const bad = await subsnap(['validate', '--lake', demo]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /FAIL counts reconcile/);
    } finally {
      await writeFile(commitFile, original);
    }
    assert.equal(log.length, 2);
  });
});

describe('bad input', () => {
  it('quarantines every kind of bad record with file, position, reason and raw text', async () => {
    const lake = await tempLake();
    try {
      const bad = [
        '{"Id": 1, "cost": ', '[1]', '{"cost": 1}', '{"Id": null}', '{"Id": "7"}', '{"Id": 7.5}',
        '{"Id": 8, "active": "yes"}', '{"Id": 9, "start_date": "2023-02-30"}', '{"Id": 10, "start_date": "2023-02-01", "end_date": "2023-01-01"}',
        '{"Id": 11, "cost": 1.234}', '{"Id": 12, "cost": "12"}',
      ];
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: [rec(100), ...bad].join('\n') });
      // Eleven of twelve rejected on purpose; `keep` shows each record's text (other policies redact it).
      const report = await runJson(lake, ['--max-rejected-share', '1', '--pii', 'keep']);
      assert.equal(report.inputRecords, 12);
      assert.equal(report.acceptedRecords, 1);
      assert.equal(report.rejectedRecords, 11);
      const rejected = await readQuarantine(report.quarantinePath);
      assert.deepEqual(rejected.map((r) => [r.position, r.reason]), [
        [2, 'malformed JSON'], [3, 'not a JSON object'], [4, 'Id: missing'], [5, 'Id: null'],
        [6, 'Id: expected integer, got string'], [7, 'Id: expected integer, got number'], [8, 'active: expected boolean, got string'],
        [9, 'start_date: invalid date'], [10, 'end_date before start_date'], [11, 'cost: not a decimal(18,2)'],
        [12, 'cost: expected decimal(18,2), got string'],
      ]);
      assert.equal(rejected[0]!.raw, '{"Id": 1, "cost": ');
      assert.equal(rejected[0]!.journal_file, 'date=2024-01-01/a.jsonl');
    } finally {
      await removeLake(lake);
    }
  });

  const unreadable: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['not UTF-8', (dir) => writeFile(path.join(dir, 'b.jsonl'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])), /b\.jsonl: not valid UTF-8/],
    ['truncated gzip', (dir) => writeFile(path.join(dir, 'b.jsonl.gz'), gzipSync(`${rec(2)}\n`.repeat(50)).subarray(0, 30)), /b\.jsonl\.gz: corrupt or truncated gzip/],
    ['no permission', async (dir) => {
      await writeFile(path.join(dir, 'b.jsonl'), `${rec(2)}\n`);
      await chmod(path.join(dir, 'b.jsonl'), 0o000);
    }, /b\.jsonl: permission denied/],
  ];
  for (const [name, make, message] of unreadable) {
    it(`fails the run on a file that cannot be read (${name}), naming it, committing nothing`, async () => {
      const lake = await tempLake();
      try {
        const day = path.join(lake, 'journal', 'date=2024-01-01');
        await mkdir(day, { recursive: true });
        await writeFile(path.join(day, 'a.jsonl'), `${rec(1)}\n`);
        await make(day);
        const args = ['run', '--lake', lake];
        const result = name === 'no permission' && process.getuid?.() === 0
          ? await subsnapAsNobody(lake, args)
          : await subsnap(args);
        assert.equal(result.code, 2, result.stdout);
        assert.match(result.stderr, message);
        assert.match(result.stderr, /nothing was committed/);
        assert.deepEqual(await readdir(path.join(lake, 'snapshot', '_log')).catch(() => []), []);
      } finally {
        await removeLake(lake);
      }
    });
  }
});

/** As root every file is readable; run the CLI as `nobody` on a lake it may write. */
async function subsnapAsNobody(lake: string, args: string[]) {
  const { execFileSync } = await import('node:child_process');
  execFileSync('chmod', ['-R', 'a+rwX', lake]);
  execFileSync('chmod', ['a+x', path.dirname(lake)]);
  execFileSync('chmod', ['000', path.join(lake, 'journal', 'date=2024-01-01', 'b.jsonl')]);
  const { CLI } = await import('../support/cli.js');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args], {
    encoding: 'utf8', env: { ...process.env, HOME: '/tmp' },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('file formats', () => {
  it('reads NDJSON, JSON arrays, pretty-printed objects and gzip, in both day-folder styles', async () => {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${rec(1)}\r\n\r\n${rec(2)}\r\n` });
      await writeJournalFile(lake, { path: '2024-01-02/b.json', date: '2024-01-02', content: `[${rec(3)},\n ${rec(4)}]` });
      await writeJournalFile(lake, { path: '2024-01-02/c.json', date: '2024-01-02', content: JSON.stringify(JSON.parse(rec(5)), null, 2) });
      await writeJournalFile(lake, { path: 'date=2024-01-03/d.ndjson.gz', date: '2024-01-03', content: `${rec(6)}\n${rec(1, { cost: 11 })}\n` });
      await writeFile(path.join(lake, 'journal', 'README.txt'), 'not a day');
      const report = await runJson(lake);
      assert.equal(report.inputRecords, 7);
      assert.equal(report.rejectedRecords, 0);
      const rows = await readVersionRows(report.snapshotPath);
      assert.deepEqual(rows.map((r) => r.Id), ['1', '2', '3', '4', '5', '6']);
      assert.equal(rows[0]!.cost, '11.00');
      assert.equal(rows[0]!._journal_file, 'date=2024-01-03/d.ndjson.gz');
      assert.equal(rows[2]!._journal_line, 1);
      assert.equal(rows[3]!._journal_line, 2);
      assert.match(report.warnings.join('\n'), /README\.txt/);
    } finally {
      await removeLake(lake);
    }
  });
});
