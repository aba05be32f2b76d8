// Lifecycle: backfill equals a full rebuild, vacuum never removes what a later run needs, rollback,
// time travel, migrations, and the errors when the journal is gone.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig, type ConfigInput } from '../../src/core/config.js';
import { backfillSnapshot } from '../../src/core/backfill.js';
import { readCommits } from '../../src/lake/commit-log.js';
import { lakeLayout } from '../../src/lake/layout.js';
import { foldedFiles } from '../../src/core/version-lineage.js';
import { vacuumLake } from '../../src/core/vacuum.js';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import { readVersionRows, removeLake, runIn, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

const DATES = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];
const arbRecord = fc.record({
  Id: fc.integer({ min: 1, max: 6 }),
  active: fc.option(fc.boolean()),
  subscription: fc.option(fc.constantFrom('basic', 'premium', 'other')),
  cost: fc.option(fc.constantFrom(1, 2.5, 99.99)),
  start_date: fc.option(fc.constantFrom('2023-01-01', '2023-06-30')),
}, { requiredKeys: ['Id'] });
const arbLine = fc.oneof({ weight: 8, arbitrary: arbRecord.map((r) => JSON.stringify(r)) }, { weight: 1, arbitrary: fc.constantFrom('{bad', '{"Id":"x"}') });
const arbFile = fc.record({ date: fc.constantFrom(...DATES), name: fc.constantFrom('a', 'b'), lines: fc.array(arbLine, { minLength: 1, maxLength: 5 }) });
/** Batches of files arriving run after run; later batches may hold older dates (late data). */
const arbBatches = fc.array(fc.array(arbFile, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });

const fileOf = (f: { date: string; name: string; lines: string[] }, batch: number, i: number) =>
  ({ path: `date=${f.date}/${f.name}-${batch}-${i}.jsonl`, date: f.date, content: `${f.lines.join('\n')}\n` });

/** The random journals hold bad lines at any share: the reject threshold is lifted (test/cli/trust-cli covers it). */
const LIFT: ConfigInput = { maxRejectedShare: 1 };

async function configFor(lake: string, overrides: ConfigInput = {}) {
  return loadConfig({ overrides: { lake, ...LIFT, ...overrides }, cwd: lake });
}

async function backfill(lake: string, from: string, overrides: ConfigInput = {}) {
  const engine = await openDuckDb();
  try {
    return await backfillSnapshot({ config: await configFor(lake, overrides), engine, from });
  } finally {
    await engine.close();
  }
}

/** A fresh lake with exactly the journal files the given version holds, folded in one run. */
async function fullRebuild(lake: string, policies: ConfigInput) {
  const commits = await readCommits(lakeLayout(lake));
  const held = foldedFiles(commits, commits.length);
  const fresh = await tempLake();
  for (const f of held.values()) {
    await writeJournalFile(fresh, { path: f.path, date: f.date, content: await readFile(path.join(lake, 'journal', f.path), 'utf8') });
  }
  return { fresh, report: await runIn(fresh, { ...LIFT, ...policies }) };
}

describe('backfill', () => {
  it('from any day equals a full rebuild from scratch (late and changed files included)', async () => {
    await fc.assert(
      fc.asyncProperty(arbBatches, fc.constantFrom(...DATES), fc.constantFrom('last' as const, 'first' as const), fc.boolean(),
        async (batches, from, duplicates, changeOne) => {
          const lake = await tempLake();
          const policies = { duplicates };
          try {
            const written = [];
            for (const [b, batch] of batches.entries()) {
              for (const [i, f] of batch.entries()) {
                const file = fileOf(f, b, i);
                written.push(file);
                await writeJournalFile(lake, file);
              }
              await runIn(lake, { ...LIFT, ...policies });
            }
            let start = from;
            if (changeOne) {
              // A corrected journal file: a backfill from its day (as run's warning says) folds its new content.
              const target = written[0]!;
              await writeJournalFile(lake, { ...target, content: `${target.content}${JSON.stringify({ Id: 99, cost: 5 })}\n` });
              if (target.date < start) start = target.date;
            }
            const report = await backfill(lake, start, policies);
            const { fresh, report: rebuilt } = await fullRebuild(lake, policies);
            try {
              assert.deepEqual(await readVersionRows(report.snapshotPath!), await readVersionRows(rebuilt.snapshotPath!));
            } finally {
              await removeLake(fresh);
            }
          } finally {
            await removeLake(lake);
          }
        }),
      { numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 25) },
    );
  });

  it('is a clear error when the journal files it needs are gone and no version can start it', async () => {
    const lake = await tempLake();
    try {
      for (const date of DATES.slice(0, 2)) {
        await writeJournalFile(lake, { path: `date=${date}/a.jsonl`, date, content: '{"Id": 1}\n' });
        await runIn(lake, LIFT);
      }
      await rm(path.join(lake, 'journal', 'date=2024-01-01'), { recursive: true });
      await assert.rejects(backfill(lake, '2024-01-01'), /journal file\(s\) date=2024-01-01\/a\.jsonl are gone .*no version was built only from days before 2024-01-01/);
      // From the second day, version 1 holds the first day: no journal file is needed for it.
      const report = await backfill(lake, '2024-01-02');
      assert.equal(report.previousVersion, 2);
      assert.equal((await readCommits(lakeLayout(lake))).at(-1)!.parent, 1);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('vacuum', () => {
  it('never removes a file that a later run needs: runs with vacuums equal runs without', async () => {
    await fc.assert(
      fc.asyncProperty(arbBatches, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), async (batches, keep, ttl) => {
        const [vacuumed, plain] = [await tempLake(), await tempLake()];
        try {
          let last: string | undefined;
          let reference: string | undefined;
          for (const [b, batch] of batches.entries()) {
            for (const [i, f] of batch.entries()) {
              await writeJournalFile(vacuumed, fileOf(f, b, i));
              await writeJournalFile(plain, fileOf(f, b, i));
            }
            last = (await runIn(vacuumed, LIFT)).snapshotPath ?? last;
            reference = (await runIn(plain, LIFT)).snapshotPath ?? reference;
            await vacuumLake(lakeLayout(vacuumed), { keepVersions: keep, journalTtlDays: ttl, dryRun: false });
          }
          assert.deepEqual(await readVersionRows(last!), await readVersionRows(reference!));
          const rerun = await runIn(vacuumed, LIFT);
          assert.equal(rerun.committed, false, 'nothing removed is folded again');
        } finally {
          await removeLake(vacuumed);
          await removeLake(plain);
        }
      }),
      { numRuns: Number(process.env.SUBSNAP_PROPERTY_RUNS ?? 20) },
    );
  });
});

describe('rollback, time travel, migrate (CLI)', () => {
  it('rollback commits the contents of an older version; show/validate by --version and --as-of', async () => {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id": 1, "cost": 1}\n' });
      const v1 = await runJson(lake);
      await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: '{"Id": 1, "cost": 2}\n{"Id": 2}\n' });
      await runJson(lake);
      const rolled = await subsnap(['rollback', '1', '--lake', lake, '--json']);
      assert.equal(rolled.code, 0, rolled.stderr);
      const report = JSON.parse(rolled.stdout);
      assert.equal(report.version, 3);
      assert.deepEqual(await readVersionRows(report.snapshotPath), await readVersionRows(v1.snapshotPath));
      assert.equal((await subsnap(['validate', '--lake', lake])).code, 0);
      const asOf = await subsnap(['show', '--lake', lake, '--as-of', new Date().toISOString(), '--json']);
      assert.deepEqual(asOf.stdout.trim().split('\n').map((l) => JSON.parse(l).cost), ['1.00']);
      const old = await subsnap(['show', '--lake', lake, '--version', '2', '--json']);
      assert.equal(old.stdout.trim().split('\n').length, 2);
      assert.equal((await runJson(lake)).committed, false, 'rolled-back files are not folded again by run');
    } finally {
      await removeLake(lake);
    }
  });

  it('migrate adds a field, hashes kept names, and refuses what needs the journal', async () => {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id": 1, "customer_first_name": "Ann", "subscription": "basic"}\n' });
      await runJson(lake, ['--pii', 'keep']);
      const env = { SUBSNAP_PII_KEY: 'k' };
      const refused = await subsnap(['run', '--lake', lake, '--pii', 'hash'], env);
      assert.match(refused.stderr, /run `subsnap migrate`/);
      const hashed = await subsnap(['migrate', '--lake', lake, '--pii', 'hash', '--json'], env);
      assert.equal(hashed.code, 0, hashed.stderr);
      const [row] = await readVersionRows(JSON.parse(hashed.stdout).snapshotPath);
      assert.match(String(row!.customer_first_name), /^[0-9a-f]{64}$/);
      assert.equal((await subsnap(['validate', '--lake', lake], env)).code, 0);
      const back = await subsnap(['migrate', '--lake', lake, '--pii', 'keep']);
      assert.match(back.stderr, /holds digests, which cannot be turned back into names/);

      const schema = {
        key: 'Id', joinField: 'subscription', pii: ['customer_first_name', 'customer_last_name'],
        fields: [
          { name: 'active', type: 'boolean' }, { name: 'subscription', type: 'string' },
          { name: 'customer_first_name', type: 'string' }, { name: 'customer_last_name', type: 'string' },
          { name: 'cost', type: 'decimal(18,2)' }, { name: 'start_date', type: 'date' }, { name: 'end_date', type: 'date' },
          { name: 'region', type: 'string' },
        ],
      };
      await writeFile(path.join(lake, 'subsnap.config.json'), JSON.stringify({ lake: '.', pii: 'hash', schema }));
      const added = await subsnap(['migrate', '--json'], env, lake);
      assert.equal(added.code, 0, added.stderr);
      const [migrated] = await readVersionRows(JSON.parse(added.stdout).snapshotPath);
      assert.equal(migrated!.customer_first_name, row!.customer_first_name);
      assert.equal((migrated as unknown as Record<string, unknown>).region, null);
      await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: '{"Id": 2, "region": "EU"}\n' });
      const next = await subsnap(['run', '--json'], env, lake);
      assert.equal(next.code, 0, next.stderr);
      const rows = await readVersionRows(JSON.parse(next.stdout).snapshotPath);
      assert.equal((rows[1] as unknown as Record<string, unknown>).region, 'EU');
      assert.equal((await subsnap(['validate'], env, lake)).code, 0);
    } finally {
      await removeLake(lake);
    }
  });

  it('vacuum keeps what kept versions name, reports, and a removed version says so', async () => {
    const lake = await tempLake();
    try {
      for (const date of DATES) {
        await writeJournalFile(lake, { path: `date=${date}/a.jsonl`, date, content: `{"Id": ${date.slice(-1)}}\n` });
        await runJson(lake);
      }
      const dry = await subsnap(['vacuum', '--lake', lake, '--keep-versions', '2', '--journal-ttl', '1', '--dry-run', '--json']);
      const planned = JSON.parse(dry.stdout);
      assert.deepEqual(planned.removedVersions, [1, 2]);
      assert.deepEqual(planned.removedJournalFiles, ['date=2024-01-01/a.jsonl', 'date=2024-01-02/a.jsonl']);
      assert.equal((await subsnap(['show', '--lake', lake, '--version', '1'])).code, 0, 'a dry run removes nothing');
      await subsnap(['vacuum', '--lake', lake, '--keep-versions', '2', '--journal-ttl', '1']);
      const gone = await subsnap(['show', '--lake', lake, '--version', '1']);
      assert.match(gone.stderr, /version 1 were removed by `subsnap vacuum`/);
      assert.equal((await subsnap(['validate', '--lake', lake])).code, 0);
    } finally {
      await removeLake(lake);
    }
  });
});
