// Vacuum compares content before deleting a journal file, keeps the quarantine only as long as the
// journal (its raw text holds names), and validate, show and log keep working on whatever vacuum,
// rollback or backfill left: a check that needs removed files is skipped with the reason.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../src/core/config.js';
import { readHistory, resolveVersion, VersionError, versionRows } from '../../src/core/lake-history.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { rejectShare, validateSnapshot, type CheckResult } from '../../src/core/validate-snapshot.js';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import { removeLake, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

/** `good` valid records with Ids from `firstId`, then `bad` malformed lines: one journal file's text. */
const records = (firstId: number, good: number, bad = 0) =>
  [
    ...Array.from({ length: good }, (_, i) => JSON.stringify({ Id: firstId + i, active: true, subscription: 'basic', cost: 1.5, customer_first_name: 'Ann' })),
    ...Array.from({ length: bad }, (_, i) => `{bad ${i}`),
  ].join('\n') + '\n';

async function writeDay(lake: string, date: string, name: string, content: string) {
  await writeJournalFile(lake, { path: `date=${date}/${name}.jsonl`, date, content });
}

async function cli(args: string[], expectedCode = 0) {
  const result = await subsnap(args);
  assert.equal(result.code, expectedCode, `subsnap ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`);
  return result;
}

async function validateJson(lake: string, extra: string[] = []): Promise<{ version: number; ok: boolean; checks: CheckResult[] }> {
  return JSON.parse((await cli(['validate', '--lake', lake, '--json', ...extra])).stdout);
}

const checkNamed = (checks: CheckResult[], name: string) => {
  const found = checks.find((c) => c.name === name);
  assert.ok(found, `no check named ${name} in ${JSON.stringify(checks)}`);
  return found;
};

async function vacuumJson(lake: string, args: string[]) {
  return JSON.parse((await cli(['vacuum', '--lake', lake, '--json', ...args])).stdout) as {
    dryRun: boolean; removedVersions: number[]; removedJournalFiles: string[]; keptChangedJournalFiles: string[];
    removedQuarantine: string[]; journalCutoff: string | null; warnings: string[]; message: string;
  };
}

describe('vacuum --journal-ttl compares content, not size', () => {
  it('keeps and reports a folded file changed in place with its size (and mtime) unchanged; removes it once backfilled', async () => {
    const lake = await tempLake();
    try {
      for (const [i, date] of ['2024-01-01', '2024-01-02', '2024-01-03'].entries()) {
        await writeDay(lake, date, 'a', records(i * 10, 5));
        await runJson(lake);
      }
      // One byte changed, same size; mtime put back so that only the content tells.
      const file = path.join(lake, 'journal', 'date=2024-01-02', 'a.jsonl');
      const before = await stat(file);
      const text = await readFile(file, 'utf8');
      const changed = text.replace('"cost":1.5', '"cost":2.5');
      assert.notEqual(changed, text);
      assert.equal(Buffer.byteLength(changed), before.size);
      await writeFile(file, changed);
      await utimes(file, before.atime, before.mtime);

      const dry = await vacuumJson(lake, ['--journal-ttl', '0', '--dry-run']);
      assert.deepEqual(dry.keptChangedJournalFiles, ['date=2024-01-02/a.jsonl']);
      assert.deepEqual(dry.removedJournalFiles, ['date=2024-01-01/a.jsonl']);
      assert.ok(existsSync(path.join(lake, 'journal', 'date=2024-01-01', 'a.jsonl')), 'a dry run removes nothing');

      const done = await vacuumJson(lake, ['--journal-ttl', '0']);
      assert.equal(done.journalCutoff, '2024-01-03');
      assert.deepEqual(done.removedJournalFiles, ['date=2024-01-01/a.jsonl']);
      assert.deepEqual(done.keptChangedJournalFiles, ['date=2024-01-02/a.jsonl']);
      assert.match(done.warnings.join('\n'), /kept journal file date=2024-01-02\/a\.jsonl: it changed since it was folded .*subsnap backfill --from 2024-01-02/);
      assert.match(done.message, /kept 1 changed journal file\(s\)/);
      assert.equal(await readFile(file, 'utf8'), changed, 'the changed file is kept as it is');
      assert.ok(!existsSync(path.join(lake, 'journal', 'date=2024-01-01', 'a.jsonl')));
      const plain = await cli(['vacuum', '--lake', lake, '--journal-ttl', '0', '--dry-run']);
      assert.match(plain.stdout, /kept 1 changed journal file\(s\) for a backfill/);

      // The backfill the warning names still works (version 1 holds the removed day), and folds the new content;
      // then the file holds what was folded, and the next vacuum removes it.
      const refold = await subsnap(['backfill', '--lake', lake, '--from', '2024-01-02', '--json']);
      assert.equal(refold.code, 0, refold.stderr);
      const rows = await subsnap(['show', '--lake', lake, '--id', '10', '--json']);
      assert.equal(JSON.parse(rows.stdout).cost, '2.50');
      const after = await vacuumJson(lake, ['--journal-ttl', '0']);
      assert.deepEqual(after.removedJournalFiles, ['date=2024-01-02/a.jsonl']);
      assert.deepEqual(after.keptChangedJournalFiles, []);
    } finally {
      await removeLake(lake);
    }
  });

  it('keeps a file whose size changed and, for the backfill it needs, the other files of its day and later', async () => {
    const lake = await tempLake();
    try {
      await writeDay(lake, '2024-01-01', 'a', records(1, 3));
      await writeDay(lake, '2024-01-02', 'a', records(10, 3));
      await writeDay(lake, '2024-01-02', 'b', records(20, 3));
      await writeDay(lake, '2024-01-03', 'a', records(30, 3));
      await writeDay(lake, '2024-01-04', 'a', records(40, 3));
      await runJson(lake, ['--until', '2024-01-01']);
      await runJson(lake);
      await writeFile(path.join(lake, 'journal', 'date=2024-01-02', 'b.jsonl'), records(20, 4));
      const done = await vacuumJson(lake, ['--journal-ttl', '0']);
      assert.deepEqual(done.removedJournalFiles, ['date=2024-01-01/a.jsonl']);
      assert.deepEqual(done.keptChangedJournalFiles, ['date=2024-01-02/b.jsonl']);
      assert.match(done.warnings.join('\n'), /kept 2 unchanged journal file\(s\) of days from 2024-01-02 on past the TTL: `subsnap backfill --from 2024-01-02` needs them/);
      const refold = await subsnap(['backfill', '--lake', lake, '--from', '2024-01-02', '--json']);
      assert.equal(refold.code, 0, refold.stderr);
      assert.equal(JSON.parse(refold.stdout).totalKeys, 16);
      const after = await vacuumJson(lake, ['--journal-ttl', '0']);
      assert.deepEqual(after.removedJournalFiles, ['date=2024-01-02/a.jsonl', 'date=2024-01-02/b.jsonl', 'date=2024-01-03/a.jsonl']);
      assert.deepEqual(after.warnings, []);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('validate after vacuum', () => {
  it('exits 0 after vacuum --keep-versions 1, the comparison with the removed previous version skipped', async () => {
    const lake = await tempLake();
    try {
      for (const [i, date] of ['2024-01-01', '2024-01-02', '2024-01-03'].entries()) {
        await writeDay(lake, date, 'a', records(i * 10, 20, 1));
        await runJson(lake);
      }
      const vacuumed = await vacuumJson(lake, ['--keep-versions', '1']);
      assert.deepEqual(vacuumed.removedVersions, [1, 2]);
      assert.ok(!existsSync(path.join(lake, 'snapshot', '_staging')), 'vacuum leaves no scratch files');

      const text = await cli(['validate', '--lake', lake]);
      assert.doesNotMatch(text.stdout + text.stderr, /No files found/);
      const result = await validateJson(lake);
      assert.equal(result.ok, true);
      const lost = checkNamed(result.checks, 'no key lost since the previous version');
      assert.deepEqual(lost, {
        name: 'no key lost since the previous version', ok: true, skipped: true,
        detail: "version 2's files were removed by vacuum: version 3 cannot be compared with it",
      });
      assert.equal(result.checks.filter((c) => c.skipped).length, 1, 'only that check is skipped');
      for (const c of result.checks) assert.equal(c.ok, true, `${c.name}: ${c.detail}`);

      // A removed version itself cannot be validated or shown: a clear error, not the engine's.
      for (const command of ['validate', 'show']) {
        const gone = await cli([command, '--lake', lake, '--version', '1'], 2);
        assert.match(gone.stderr, /^subsnap: the files of version 1 were removed by `subsnap vacuum`; .*versions with files: 3\)$/m);
      }
    } finally {
      await removeLake(lake);
    }
  });

  it('after a backfill whose base was vacuumed, and after a rollback (its target kept with it)', async () => {
    const lake = await tempLake();
    try {
      for (const [i, date] of ['2024-01-01', '2024-01-02', '2024-01-03'].entries()) {
        await writeDay(lake, date, 'a', records(i * 10, 20));
        await runJson(lake);
      }
      await cli(['backfill', '--lake', lake, '--from', '2024-01-02']);
      await vacuumJson(lake, ['--keep-versions', '1']);
      const afterBackfill = await validateJson(lake);
      assert.equal(afterBackfill.version, 4);
      assert.equal(afterBackfill.ok, true);
      assert.match(checkNamed(afterBackfill.checks, 'no key lost since the previous version').detail, /^version 1's files were removed by vacuum/);

      // Rolling back to a removed version is refused with the reason; to a kept one works, and its files stay with it.
      assert.match((await cli(['rollback', '2', '--lake', lake], 2)).stderr, /version 2's files were removed by vacuum: version 2 cannot be restored/);
      await writeDay(lake, '2024-01-04', 'a', records(40, 5));
      await runJson(lake);
      await cli(['rollback', '4', '--lake', lake]);
      await vacuumJson(lake, ['--keep-versions', '1']);
      const afterRollback = await validateJson(lake);
      assert.equal(afterRollback.version, 6);
      assert.equal(afterRollback.ok, true);
      assert.equal(checkNamed(afterRollback.checks, 'no key lost since the previous version').skipped, undefined, 'the target is version 6\'s own files');
      assert.equal((await cli(['show', '--lake', lake, '--limit', '1'])).code, 0);
      assert.equal((await cli(['log', '--lake', lake])).code, 0);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('quarantine retention follows the journal TTL', () => {
  it('dry run lists, the real run removes only folders past the cutoff, validate still passes', async () => {
    const lake = await tempLake();
    try {
      // v1: days 1 and 2; v2: day 3; v3: day 4 and a late day-1 file; v4: only a late day-2 file. Every file has one bad record.
      await writeDay(lake, '2024-01-01', 'a', records(1, 10, 1));
      await writeDay(lake, '2024-01-02', 'a', records(20, 10, 1));
      await runJson(lake);
      await writeDay(lake, '2024-01-03', 'a', records(40, 10, 1));
      await runJson(lake);
      await writeDay(lake, '2024-01-04', 'a', records(60, 10, 1));
      await writeDay(lake, '2024-01-01', 'late', records(80, 10, 1));
      await runJson(lake);
      await writeDay(lake, '2024-01-02', 'late', records(100, 10, 1));
      await runJson(lake);
      // Messages the Kafka archive could not journal; day 1 also holds a segment being written (hidden).
      const archive = path.join(lake, 'quarantine', 'archive');
      for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) {
        await mkdir(path.join(archive, `date=${day}`), { recursive: true });
        await writeFile(path.join(archive, `date=${day}`, `t+00000+${day}.jsonl`), '{"reason":"not JSON","value":"Ann"}\n');
      }
      await writeFile(path.join(archive, 'date=2024-01-01', '.t+00000+pending.jsonl.pending'), '{}\n');
      const quarantineFolders = async () => (await readdir(path.join(lake, 'quarantine'))).sort();
      const all = ['archive', 'version=00000001', 'version=00000002', 'version=00000003', 'version=00000004'];
      assert.deepEqual(await quarantineFolders(), all);

      const expected = ['quarantine/version=00000001', 'quarantine/version=00000004', 'quarantine/archive/date=2024-01-01', 'quarantine/archive/date=2024-01-02'];
      const dry = await vacuumJson(lake, ['--journal-ttl', '1', '--dry-run']);
      assert.equal(dry.journalCutoff, '2024-01-03');
      assert.deepEqual(dry.removedQuarantine, expected);
      assert.deepEqual(await quarantineFolders(), all, 'a dry run removes nothing');
      assert.equal((await readdir(archive)).length, 3);

      const done = await vacuumJson(lake, ['--journal-ttl', '1']);
      assert.deepEqual(done.removedQuarantine, expected);
      assert.deepEqual(done.removedJournalFiles, ['date=2024-01-01/a.jsonl', 'date=2024-01-01/late.jsonl', 'date=2024-01-02/a.jsonl', 'date=2024-01-02/late.jsonl']);
      assert.match(done.message, /4 quarantine folder\(s\)/);
      assert.deepEqual(await quarantineFolders(), ['archive', 'version=00000002', 'version=00000003']);
      // The segment being written stays (and with it its folder); complete files are gone.
      assert.deepEqual(await readdir(path.join(archive, 'date=2024-01-01')), ['.t+00000+pending.jsonl.pending']);
      assert.match(done.warnings.join('\n'), /quarantine\/archive\/date=2024-01-01: kept 1 file\(s\) that `subsnap archive` is writing/);
      assert.deepEqual((await readdir(archive)).sort(), ['date=2024-01-01', 'date=2024-01-03']);

      const current = await validateJson(lake);
      assert.equal(current.version, 4);
      assert.equal(current.ok, true);
      const counts = checkNamed(current.checks, 'counts reconcile with the commit log');
      assert.equal(counts.ok, true);
      assert.match(counts.detail, /quarantine removed by vacuum/);
      const kept = await validateJson(lake, ['--version', '3']);
      assert.equal(kept.ok, true);
      assert.doesNotMatch(checkNamed(kept.checks, 'counts reconcile with the commit log').detail, /removed/);
      assert.equal((await validateJson(lake, ['--version', '1'])).ok, true);

      // Without --journal-ttl, no quarantine is touched.
      const plain = await vacuumJson(lake, ['--keep-versions', '1']);
      assert.deepEqual(plain.removedQuarantine, []);
      assert.deepEqual(await quarantineFolders(), ['archive', 'version=00000002', 'version=00000003']);
    } finally {
      await removeLake(lake);
    }
  });

  it('a quarantine folder only partly left (damaged) still fails the count check', async () => {
    const lake = await tempLake();
    try {
      await writeDay(lake, '2024-01-01', 'a', records(1, 20, 1));
      await runJson(lake);
      const dir = path.join(lake, 'quarantine', 'version=00000001');
      for (const f of await readdir(dir)) await rm(path.join(dir, f));
      const result = JSON.parse((await cli(['validate', '--lake', lake, '--json'], 1)).stdout);
      assert.match(checkNamed(result.checks, 'counts reconcile with the commit log').detail, /holds no Parquet files, commit says 1 rejected/);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('reject share', () => {
  it('is reported by validate: 3 of 100 records rejected (3.0%)', async () => {
    const lake = await tempLake();
    try {
      await writeDay(lake, '2024-01-01', 'a', records(1, 97, 3));
      await runJson(lake);
      const share = checkNamed((await validateJson(lake)).checks, 'reject share');
      assert.equal(share.ok, true);
      assert.equal(share.skipped, undefined);
      assert.match(share.detail, /^3 of 100 records rejected \(3\.0%\)/);
      assert.match((await cli(['validate', '--lake', lake])).stdout, /reject share: 3 of 100 records rejected \(3\.0%\)/);
    } finally {
      await removeLake(lake);
    }
  });

  const cases: { name: string; counts: Record<string, number>; policies: Record<string, string>; ok: boolean; detail: RegExp }[] = [
    { name: 'no threshold recorded', counts: { inputRecords: 100, rejectedRecords: 3 }, policies: {}, ok: true, detail: /^3 of 100 records rejected \(3\.0%\); no maxRejectedShare recorded/ },
    { name: 'within', counts: { inputRecords: 100, rejectedRecords: 3 }, policies: { maxRejectedShare: '0.1' }, ok: true, detail: /within maxRejectedShare 0\.1 \(10\.0%\)/ },
    { name: 'at the threshold', counts: { inputRecords: 100, rejectedRecords: 10 }, policies: { maxRejectedShare: '0.1' }, ok: true, detail: /within/ },
    { name: 'above', counts: { inputRecords: 100, rejectedRecords: 3 }, policies: { maxRejectedShare: '0.02' }, ok: false, detail: /^3 of 100 records rejected \(3\.0%\), more than maxRejectedShare 0\.02 \(2\.0%\)/ },
    { name: 'unreadable threshold', counts: { inputRecords: 100, rejectedRecords: 3 }, policies: { maxRejectedShare: 'ten' }, ok: false, detail: /maxRejectedShare "ten", expected a number between 0 and 1/ },
    { name: 'empty threshold', counts: { inputRecords: 100, rejectedRecords: 0 }, policies: { maxRejectedShare: '' }, ok: false, detail: /expected a number/ },
    { name: 'nothing folded (rollback, catalog change)', counts: { inputRecords: 0, rejectedRecords: 0 }, policies: { maxRejectedShare: '0.1' }, ok: true, detail: /^no records folded/ },
  ];
  for (const c of cases) {
    it(`against the recorded threshold: ${c.name}`, () => {
      const [name, ok, detail] = rejectShare(c.counts, c.policies);
      assert.equal(name, 'reject share');
      assert.equal(ok, c.ok, detail);
      assert.match(detail, c.detail);
    });
  }
});

describe('validate, show and log on a damaged or changed lake: a message, not an engine error', () => {
  async function lakeWithTwoVersions() {
    const lake = await tempLake();
    await writeDay(lake, '2024-01-01', 'a', records(1, 10));
    await runJson(lake);
    await writeDay(lake, '2024-01-02', 'a', records(5, 10));
    await runJson(lake);
    return lake;
  }

  it('the catalog removed or without an enrichment column: the enrichment check is skipped', async () => {
    const lake = await lakeWithTwoVersions();
    try {
      await rm(path.join(lake, 'catalog'), { recursive: true });
      const gone = await validateJson(lake);
      assert.equal(gone.ok, true);
      const enrichment = checkNamed(gone.checks, 'enrichment agrees with the catalog');
      assert.equal(enrichment.skipped, true);
      assert.match(enrichment.detail, /no catalog to compare with: .* holds no Parquet files/);

      await mkdir(path.join(lake, 'catalog'));
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      await connection.run(`COPY (SELECT 'basic' AS subscription, 10::BIGINT AS numberOfChannels) TO '${path.join(lake, 'catalog', 'subscriptions.parquet')}' (FORMAT parquet)`);
      connection.closeSync();
      db.closeSync();
      const changed = await validateJson(lake);
      assert.equal(changed.ok, true);
      const partial = checkNamed(changed.checks, 'enrichment agrees with the catalog');
      assert.equal(partial.skipped, true);
      assert.match(partial.detail, /the catalog has no column extras: it changed since version 2 was built/);
    } finally {
      await removeLake(lake);
    }
  });

  it('a file missing from a version folder: show names it, validate fails the schema check naming it; log still prints the history', async () => {
    const lake = await lakeWithTwoVersions();
    try {
      const [file] = await readdir(path.join(lake, 'snapshot', 'versions', '00000002'));
      await rm(path.join(lake, 'snapshot', 'versions', '00000002', file!));
      const lacks = `version 2's folder snapshot/versions/00000002 lacks ${file!.replace('.', '\\.')} \\(named by its commit record\\): the version cannot be read`;
      assert.match((await cli(['show', '--lake', lake], 2)).stderr, new RegExp(`^subsnap: ${lacks}`, 'm'));
      // A damaged version is a failed check (exit 1), with its results, not an error of the command.
      const damaged = JSON.parse((await cli(['validate', '--lake', lake, '--json'], 1)).stdout) as { ok: boolean; checks: CheckResult[] };
      assert.equal(damaged.ok, false);
      assert.deepEqual(damaged.checks.map((c) => [c.name, c.ok]), [['schema', false]]);
      assert.match(damaged.checks[0]!.detail, new RegExp(lacks));
      assert.match((await cli(['validate', '--lake', lake], 1)).stdout, new RegExp(`FAIL schema: ${lacks}`));
      // Version 1 still validates; its successor's damage is not its problem.
      assert.equal((await validateJson(lake, ['--version', '1'])).ok, true);
      const history = await readHistory(lakeLayout(lake));
      assert.deepEqual(history.commits.map((c) => c.version), [1, 2]);
      assert.equal(history.files.get(1)!.state, 'present');
      assert.equal(history.files.get(2)!.state, 'incomplete');
    } finally {
      await removeLake(lake);
    }
  });

  it('a truncated Parquet file: validate fails the schema check with the file; show names the version', async () => {
    const lake = await lakeWithTwoVersions();
    try {
      const dir = path.join(lake, 'snapshot', 'versions', '00000002');
      const [file] = await readdir(dir);
      await truncate(path.join(dir, file!), 100);
      const result = JSON.parse((await cli(['validate', '--lake', lake, '--json'], 1)).stdout);
      assert.equal(result.ok, false);
      assert.deepEqual(result.checks.map((c: CheckResult) => c.name), ['schema']);
      assert.match(result.checks[0].detail, /^cannot read the Parquet files of version 2 in snapshot\/versions\/00000002: /);

      const config = await loadConfig({ overrides: { lake }, cwd: lake });
      const engine = await openDuckDb();
      try {
        const target = await resolveVersion(lakeLayout(lake));
        await assert.rejects(versionRows(engine, target, { key: config.schema.key, limit: 5 }),
          (e: Error) => e instanceof VersionError && /^cannot read the Parquet files of version 2 in snapshot\/versions\/00000002: /.test(e.message));
        const older = await resolveVersion(lakeLayout(lake), { version: 1 });
        assert.deepEqual((await versionRows(engine, older, { key: config.schema.key, id: '3', limit: 5 })).map((r) => Number(r.Id)), [3]);
        await assert.rejects(versionRows(engine, older, { key: config.schema.key, id: '1 OR 1=1', limit: 5 }), /--id: got 1 OR 1=1, expected a 64-bit integer/);
        await assert.rejects(versionRows(engine, older, { key: config.schema.key, id: '9223372036854775808', limit: 5 }), /expected a 64-bit integer/);
        // The previous version unreadable: this version's comparison with it fails, naming why.
        const results = await validateSnapshot(engine, config, await resolveVersion(lakeLayout(lake), { version: 1 }));
        assert.ok(results.every((r) => r.ok));
      } finally {
        await engine.close();
      }
    } finally {
      await removeLake(lake);
    }
  });
});
