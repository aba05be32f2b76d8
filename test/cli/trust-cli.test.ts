// No silent paths, as a user meets them on the command line: lake paths and journal file names are
// data, never patterns; a mostly rejected day fails closed; nothing outside the lake is read; a
// run's scratch files do not outlive it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import { CLI, runJson, subsnap } from '../support/cli.js';
import { readVersionRows, removeLake, tempLake, TEST_CATALOG, writeJournalFile } from '../support/lake-fixture.js';
import { writeCatalog } from '../../src/generate/catalog.js';

/** Folder names with every character a path must carry as data. */
const NASTY_NAMES = ["q'uote", 'dq"uote', 'sp ace', 'br[1]', 'st*ar', 'que?', 'back\\slash', 'br{a,b}ce', 'k=v', 'ünï€😀'];
const ALL_IN_ONE = `all '"[1]*?\\{a,b}k=v ü`;

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'subsnap-trust-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Files (not folders) left under the lake's staging folder. */
async function stagedFiles(lake: string): Promise<string[]> {
  const staging = path.join(lake, 'snapshot', '_staging');
  if (!existsSync(staging)) return [];
  const entries = await readdir(staging, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => e.name);
}

async function ok(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await subsnap(args, env);
  assert.equal(result.code, 0, `subsnap ${args.join(' ')}: ${result.stderr}${result.stdout}`);
  return result;
}

describe('lake paths are data', () => {
  it('every command works on a lake whose path holds quotes, globs, a backslash, k=v and unicode', { timeout: 300_000 }, async () => {
    const lake = path.join(root, ALL_IN_ONE, 'lake');
    await mkdir(path.dirname(lake), { recursive: true });
    await ok(['generate', '--lake', lake, '--days', '3', '--dirty-rate', '0.02']);
    const first = await runJson(lake, ['--until', '2024-01-01', '--pii', 'keep']);
    const second = await runJson(lake, ['--pii', 'keep']);
    assert.equal(second.version, 2);
    const rows = await readVersionRows(second.snapshotPath);
    assert.equal(rows.length, second.totalKeys);
    assert.ok(!Object.keys(rows[0]!).includes('k'), 'no column from a k=v folder name');
    await ok(['validate', '--lake', lake]);
    assert.match((await ok(['show', '--lake', lake, '--limit', '2'])).stdout, /Id/);
    assert.equal((await ok(['log', '--lake', lake, '--json'])).stdout.trim().split('\n').length, 2);
    await ok(['backfill', '--lake', lake, '--from', '2024-01-02', '--pii', 'keep']);
    await ok(['rollback', String(first.version), '--lake', lake]);
    await ok(['migrate', '--lake', lake, '--pii', 'drop']);
    await ok(['vacuum', '--lake', lake, '--keep-versions', '1']);
    await ok(['validate', '--lake', lake]);
    assert.equal((await ok(['log', '--lake', lake, '--json'])).stdout.trim().split('\n').length, 5);
  });

  it('each character alone: run and show', { timeout: 300_000 }, async () => {
    for (const name of NASTY_NAMES) {
      const lake = path.join(root, 'one', name, 'lake');
      await mkdir(path.dirname(lake), { recursive: true });
      await ok(['generate', '--lake', lake, '--days', '1']);
      const report = await runJson(lake);
      assert.equal(report.inputRecords, 100, name);
      assert.equal((await readVersionRows(report.snapshotPath)).length, report.totalKeys, name);
      await ok(['show', '--lake', lake, '--limit', '1']);
    }
  });

  it('a lake at x/star*/lake reads nothing of its sibling x/starZ/lake', async () => {
    const lake = path.join(root, 'sib', 'star*', 'lake');
    const sibling = path.join(root, 'sib', 'starZ', 'lake');
    for (const l of [lake, sibling]) await mkdir(l, { recursive: true });
    await writeCatalog(path.join(lake, 'catalog'), TEST_CATALOG);
    await writeCatalog(path.join(sibling, 'catalog'), TEST_CATALOG);
    await writeJournalFile(lake, { path: 'date=2024-01-01/part-0.jsonl', date: '2024-01-01', content: '{"Id":1}\n' });
    await writeJournalFile(sibling, { path: 'date=2024-01-01/part-0.jsonl', date: '2024-01-01', content: '{"Id":2}\n{"Id":3}\n' });
    await runJson(sibling);
    const report = await runJson(lake);
    assert.equal(report.inputRecords, 1);
    assert.deepEqual((await readVersionRows(report.snapshotPath)).map((r) => r.Id), ['1']);
  });
});

describe('journal file names are data', () => {
  it('every file is read once, by its own name', async () => {
    const names = ['p[1].jsonl', 'p1.jsonl', 'part*.jsonl', 'part-0.jsonl', 'a b.jsonl', "q'.jsonl", 'x".jsonl', '{a,b}.jsonl', 'x?.jsonl',
      'back\\slash.jsonl', 'k=v.jsonl', 'é.jsonl', '[!a].jsonl', '**.jsonl'];
    const lake = await tempLake();
    try {
      for (const [i, name] of names.entries()) {
        await writeJournalFile(lake, { path: `date=2024-01-01/${name}`, date: '2024-01-01', content: `{"Id":${i + 1}}\n` });
      }
      const report = await runJson(lake);
      assert.equal(report.inputRecords, names.length);
      const rows = await readVersionRows(report.snapshotPath);
      assert.deepEqual(rows.map((r) => [Number(r.Id), r._journal_file]).sort((a, b) => (a[0] as number) - (b[0] as number)),
        names.map((n, i) => [i + 1, `date=2024-01-01/${n}`]));
    } finally {
      await removeLake(lake);
    }
  });

  it('a symbolic link in the journal fails the run, naming it; a folder named like a file is reported', async () => {
    const lake = await tempLake();
    const outside = await mkdtemp(path.join(os.tmpdir(), 'subsnap-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.jsonl'), '{"Id":99}\n');
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id":1}\n' });
      await symlink(path.join(outside, 'secret.jsonl'), path.join(lake, 'journal', 'date=2024-01-01', 'link.jsonl'));
      const refused = await subsnap(['run', '--lake', lake]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /date=2024-01-01\/link\.jsonl: it is a symbolic link/);
      assert.equal((await subsnap(['log', '--lake', lake])).stdout.includes('version 1'), false, 'nothing committed');
      await rm(path.join(lake, 'journal', 'date=2024-01-01', 'link.jsonl'));
      await mkdir(path.join(lake, 'journal', 'date=2024-01-01', 'sub.jsonl'));
      const report = await runJson(lake);
      assert.equal(report.inputRecords, 1);
      assert.ok(report.warnings.some((w: string) => w.includes('date=2024-01-01/sub.jsonl/')), report.warnings.join('\n'));
      // The journal folder itself a link to a folder outside the lake: refused too.
      await mkdir(path.join(outside, 'date=2024-01-02'));
      await writeFile(path.join(outside, 'date=2024-01-02', 'b.jsonl'), '{"Id":98}\n');
      await rename(path.join(lake, 'journal'), path.join(lake, 'journal-folder'));
      await symlink(outside, path.join(lake, 'journal'));
      const linkedRoot = await subsnap(['run', '--lake', lake]);
      assert.equal(linkedRoot.code, 2);
      assert.match(linkedRoot.stderr, /the journal folder \S+\/journal is a symbolic link: .*nothing outside the lake is read/);
      assert.equal((await subsnap(['log', '--lake', lake])).stdout.includes('version 2'), false, 'nothing committed');
    } finally {
      await removeLake(lake);
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('fail closed', () => {
  it('a day whose records all miss the key commits nothing, exits 2 and names the near member', async () => {
    const lake = await tempLake();
    try {
      const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i, subscription: 'basic' }));
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${lines.join('\n')}\n` });
      const refused = await subsnap(['run', '--lake', lake]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /20 of 20 records were rejected \(100\.0%\), more than maxRejectedShare 0\.1/);
      assert.match(refused.stderr, /20 × Id: missing/);
      assert.match(refused.stderr, /member "id" where the schema expects "Id"/);
      assert.match((await subsnap(['log', '--lake', lake])).stderr + (await subsnap(['log', '--lake', lake])).stdout, /no committed snapshot/);
      assert.deepEqual(await stagedFiles(lake), [], 'no staged file left');
      const forced = await runJson(lake, ['--max-rejected-share', '1']);
      assert.equal(forced.rejectedRecords, 20);
      assert.equal(forced.totalKeys, 0);
    } finally {
      await removeLake(lake);
    }
  });

  it('a share at the threshold folds; one record more does not', async () => {
    const lake = await tempLake();
    try {
      const good = Array.from({ length: 9 }, (_, i) => JSON.stringify({ Id: i }));
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${[...good, '{bad'].join('\n')}\n` });
      assert.equal((await runJson(lake)).rejectedRecords, 1);
      await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: `${[...good.slice(1), '{bad', '{bad'].join('\n')}\n` });
      assert.equal((await subsnap(['run', '--lake', lake])).code, 2);
    } finally {
      await removeLake(lake);
    }
  });

  it('each journal date a run folds is held to the threshold, as its own daily run would be', async () => {
    const lake = await tempLake();
    try {
      // 200 good records on one date, 10 then 5 that all miss the key on the next two: 7% of the run,
      // 100% of each of two dates.
      const good = Array.from({ length: 200 }, (_, i) => JSON.stringify({ Id: i + 1 }));
      const bad = Array.from({ length: 10 }, (_, i) => JSON.stringify({ id: i + 1 }));
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${good.join('\n')}\n` });
      await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: `${bad.join('\n')}\n` });
      await writeJournalFile(lake, { path: 'date=2024-01-03/a.jsonl', date: '2024-01-03', content: `${bad.slice(0, 5).join('\n')}\n` });
      const refused = await subsnap(['run', '--lake', lake]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /10 of 10 records of journal date 2024-01-02 were rejected \(100\.0%\), more than maxRejectedShare 0\.1/);
      assert.match(refused.stderr, /also over it: 2024-01-03 \(5 of 5\)/);
      assert.match(refused.stderr, /10 × Id: missing/);
      assert.match(refused.stderr, /member "id" where the schema expects "Id"/);
      assert.match((await subsnap(['log', '--lake', lake])).stderr, /no committed snapshot/);
      // The good date alone folds; the bad one, on purpose, with the threshold lifted.
      assert.equal((await runJson(lake, ['--until', '2024-01-01'])).inputRecords, 200);
      assert.equal((await subsnap(['run', '--lake', lake])).code, 2);
      assert.equal((await runJson(lake, ['--max-rejected-share', '1'])).rejectedRecords, 15);
    } finally {
      await removeLake(lake);
    }
  });
});

describe('a previous version changed after its commit', () => {
  /** Rewrites each Parquet file of a version folder through `select` (reading `v`, the file's rows). */
  async function rewriteVersion(dir: string, select: string): Promise<void> {
    const engine = await openDuckDb();
    try {
      for (const name of (await readdir(dir)).filter((f) => f.endsWith('.parquet'))) {
        const file = path.join(dir, name);
        await engine.run(`COPY (WITH v AS (SELECT * FROM read_parquet('${file}')) ${select}) TO '${file}.new' (FORMAT parquet)`);
        await rename(`${file}.new`, file);
      }
    } finally {
      await engine.close();
    }
  }

  // Rows lost or gained (of a key the next day replaces too): the next run commits nothing.
  for (const [change, select] of [
    ['lost a row', 'SELECT * FROM v WHERE "Id" <> 2'],
    ['lost the row of a key the day replaces', 'SELECT * FROM v WHERE "Id" <> 3'],
    ['gained a row', 'SELECT * FROM v UNION ALL SELECT * FROM v WHERE "Id" = 1'],
    ['gained a row of a key the day replaces', 'SELECT * FROM v UNION ALL SELECT * FROM v WHERE "Id" = 3'],
  ] as const) {
    it(`whose files ${change}: the next run commits nothing and says which version`, async () => {
      const lake = await tempLake();
      try {
        const day1 = Array.from({ length: 5 }, (_, i) => JSON.stringify({ Id: i + 1, subscription: 'basic' }));
        await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${day1.join('\n')}\n` });
        const first = await runJson(lake);
        await rewriteVersion(first.snapshotPath, select);
        await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: '{"Id":3,"subscription":"premium"}\n{"Id":6}\n' });
        const refused = await subsnap(['run', '--lake', lake]);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /the files of version 1 no longer hold the 5 rows its commit records/);
        assert.match(refused.stderr, /nothing was committed/);
        assert.equal((await ok(['log', '--lake', lake, '--json'])).stdout.trim().split('\n').length, 1, 'still one version');
      } finally {
        await removeLake(lake);
      }
    });
  }
});

describe('the catalog', () => {
  it('may be a folder of part files, as Spark writes it', async () => {
    const lake = await tempLake();
    try {
      await rm(path.join(lake, 'catalog'), { recursive: true });
      const parts = path.join(lake, 'catalog', 'subscriptions.parquet');
      await mkdir(parts, { recursive: true });
      const engine = await openDuckDb();
      try {
        for (const [i, entry] of TEST_CATALOG.entries()) {
          const extras = `MAP {${Object.entries(entry.extras).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
          await engine.run(`COPY (SELECT '${entry.subscription}' AS subscription, ${entry.numberOfChannels}::BIGINT AS "numberOfChannels", ${extras} AS extras)
            TO '${path.join(parts, `part-0000${i}.snappy.parquet`)}' (FORMAT parquet)`);
        }
      } finally {
        await engine.close();
      }
      await writeFile(path.join(parts, '_SUCCESS'), '');
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: '{"Id":1,"subscription":"premium"}\n' });
      const report = await runJson(lake);
      assert.equal(report.unmatchedSubscriptions, 0);
      assert.equal((await readVersionRows(report.snapshotPath))[0]!.numberOfChannels, '200');
    } finally {
      await removeLake(lake);
    }
  });
});

describe('scratch files never outlive the run', () => {
  it('SIGTERM during a run over a gzip journal leaves no decompressed copy behind', { timeout: 120_000 }, async () => {
    const lake = await tempLake();
    try {
      const lines = Array.from({ length: 400_000 }, (_, i) => JSON.stringify({ Id: i, customer_first_name: 'Ann', subscription: 'basic' }));
      const full = path.join(lake, 'journal', 'date=2024-01-01', 'big.jsonl.gz');
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, gzipSync(lines.join('\n')));
      const child = spawn(process.execPath, [CLI, 'run', '--lake', lake], { stdio: 'ignore' });
      const staging = path.join(lake, 'snapshot', '_staging');
      const deadline = Date.now() + 60_000;
      while (!(await readdir(staging).catch(() => [] as string[])).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGTERM');
      const [, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      assert.ok(signal === 'SIGTERM' || signal === null);
      assert.deepEqual(await stagedFiles(lake), [], 'the run removed its staging');
    } finally {
      await removeLake(lake);
    }
  });
});
