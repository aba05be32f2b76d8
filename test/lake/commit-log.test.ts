// Commit records: one zod schema parses them; protocols 1 to 3 read (the digests of 1 and 2 as
// `sha256:` checksums), a newer one stops every command, a damaged record names its file and field,
// and writers write protocol 3 only.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  COMMIT_PROTOCOL, CommitLogError, CommitProtocolError, ConcurrentCommitError, readCommits, writeCommit, type Commit,
} from '../../src/lake/commit-log.js';
import { commitPath, lakeLayout, type LakeLayout } from '../../src/lake/layout.js';
import { removeLake, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

const SHA = 'ab'.repeat(32);

/** A file's checksum as a record of `protocol` writes it. */
const digest = (protocol: number) => (protocol < 3 ? { sha256: SHA } : { checksum: `sha256:${SHA}` });

function sample(version: number, protocol: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    protocol, version, parent: version > 1 ? version - 1 : null, operation: 'run', committedAt: '2024-01-02T00:10:00.000Z', engine: 'duckdb',
    snapshotPath: `snapshot/versions/${String(version).padStart(8, '0')}`, snapshotFiles: ['part-00000.parquet'],
    quarantinePath: null,
    consumed: [{ path: `date=2024-01-0${version}/a.jsonl`, date: `2024-01-0${version}`, size: 17, ...digest(protocol) }],
    catalog: [{ path: 'subscriptions.parquet', size: 1520, ...digest(protocol) }],
    policies: { pii: 'drop', duplicates: 'last', nulls: 'overwrite' },
    schema: { key: 'Id', fields: [{ name: 'Id', type: 'bigint' }] },
    columns: [{ name: 'Id', type: 'bigint' }],
    counts: { inputRecords: 1, acceptedRecords: 1, rejectedRecords: 0, inserted: 1, updated: 0, unchanged: 0, totalKeys: 1, unmatchedSubscriptions: 0 },
    ...fields,
  };
}

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'subsnap-log-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A lake whose log holds `records` (texts or objects) as versions 1..N, or under the given names. */
async function logWith(records: (string | object)[], names?: string[]): Promise<LakeLayout> {
  const layout = lakeLayout(path.join(dir, `lake-${++n}`));
  await mkdir(layout.log, { recursive: true });
  for (const [i, record] of records.entries()) {
    const file = names ? path.join(layout.log, names[i]!) : commitPath(layout, i + 1);
    await writeFile(file, typeof record === 'string' ? record : JSON.stringify(record, null, 1));
  }
  return layout;
}

describe('reading the commit log', () => {
  it('reads records of protocols 1, 2 and 3 alike, with or without a schema; a sha256 digest reads as the checksum sha256:…', async () => {
    const { schema: _, ...noSchema } = sample(1, 1);
    const layout = await logWith([noSchema, sample(2, 2), sample(3, 1), sample(4, 3)]);
    const commits = await readCommits(layout);
    assert.deepEqual(commits.map((c) => [c.version, c.protocol]), [[1, 1], [2, 2], [3, 1], [4, 3]]);
    assert.equal(commits[0]!.schema, undefined);
    assert.deepEqual(commits[1], { ...sample(2, 3), protocol: 2 });
    assert.deepEqual(commits[3], sample(4, 3));
  });

  it('reads the checksums of a lake on HDFS (the file system\'s own algorithm)', async () => {
    const hdfs = 'hdfs-MD5-of-0MD5-of-512CRC32C:0000020000000000000000009a1e4b1a3e0ed1d32f7f1ab5e0c3d4f8';
    const record = sample(1, 3, { consumed: [{ path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', size: 17, checksum: hdfs }] });
    assert.equal((await readCommits(await logWith([record])))[0]!.consumed[0]!.checksum, hdfs);
  });

  it('stops at a record of a newer protocol, whatever else it holds', async () => {
    for (const newer of [sample(2, 4), { protocol: 7, anything: 'else' }]) {
      const layout = await logWith([sample(1, 3), newer]);
      const file = commitPath(layout, 2);
      await assert.rejects(readCommits(layout), (error: unknown) => {
        assert.ok(error instanceof CommitProtocolError);
        assert.equal(error.message, `commit record ${file} was written by a newer subsnap (protocol ${(newer as { protocol: number }).protocol}; this one reads up to 3): upgrade subsnap`);
        return true;
      });
    }
  });

  const damaged: [string, (r: Record<string, unknown>) => unknown, RegExp][] = [
    ['a missing field', ({ counts: _, ...r }) => r, /counts: /],
    ['a version as a string', (r) => ({ ...r, version: '2' }), /version: .*expected number/i],
    ['a count that is not a number', (r) => ({ ...r, counts: { ...(r.counts as object), inserted: 'many' } }), /counts\.inserted: /],
    ['a policy that is not a string', (r) => ({ ...r, policies: { pii: 1 } }), /policies\.pii: /],
    ['a negative size of a consumed file', (r) => ({ ...r, consumed: [{ path: 'a', date: '2024-01-02', size: -1, checksum: `sha256:${SHA}` }] }), /consumed\.0\.size: /],
    ['a checksum that is not one', (r) => ({ ...r, catalog: [{ path: 'c.parquet', size: 1, checksum: 'nope' }] }), /catalog\.0\.checksum: expected sha256:HEX or hdfs-ALGORITHM:HEX/],
    ['a sha256 digest without its algorithm', (r) => ({ ...r, catalog: [{ path: 'c.parquet', size: 1, checksum: SHA }] }), /catalog\.0\.checksum: /],
    ['a protocol 2 digest in a protocol 3 record', (r) => ({ ...r, catalog: [{ path: 'c.parquet', size: 1, sha256: SHA }] }), /catalog\.0\.checksum: .*catalog\.0: .*sha256/],
    ['a protocol 3 checksum in a protocol 2 record', (r) => ({ ...r, protocol: 2, consumed: [{ path: 'a', date: '2024-01-02', size: 1, checksum: `sha256:${SHA}` }] }), /consumed\.0\.sha256: /],
    ['a protocol 2 digest that is not one', (r) => ({ ...r, protocol: 2, catalog: [{ path: 'c.parquet', size: 1, sha256: 'nope' }] }), /catalog\.0\.sha256: expected a SHA-256 digest/],
    ['an unknown operation', (r) => ({ ...r, operation: 'merge' }), /operation: /],
    ['a commit time that is not one', (r) => ({ ...r, committedAt: 'yesterday' }), /committedAt: /],
    ['protocol 0', (r) => ({ ...r, protocol: 0 }), /protocol: /],
    ['an unknown field', (r) => ({ ...r, deletionVectors: [] }), /deletionVectors/],
    ['an array', () => [], /\(top level\): /],
  ];
  for (const [name, damage, field] of damaged) {
    it(`a damaged log: ${name}`, async () => {
      const layout = await logWith([sample(1, 3), damage(sample(2, 3)) as object]);
      const file = commitPath(layout, 2);
      await assert.rejects(readCommits(layout), (error: unknown) => {
        assert.ok(error instanceof CommitLogError && !(error instanceof CommitProtocolError));
        assert.ok(error.message.startsWith(`commit record ${file} is damaged (`), error.message);
        assert.match(error.message, field);
        assert.match(error.message, /the commit log cannot be read; restore the file from a backup$/);
        return true;
      });
    });
  }

  it('reads only the records after those it knows, in order, many of them (read a few at a time)', async () => {
    const consumed = (v: number) => [{ path: `date=2024-02-01/${v}.jsonl`, date: '2024-02-01', size: 17, checksum: `sha256:${SHA}` }];
    const layout = await logWith(Array.from({ length: 40 }, (_, i) => sample(i + 1, 3, { consumed: consumed(i + 1) })));
    const all = await readCommits(layout);
    assert.deepEqual(all.map((c) => c.version), Array.from({ length: 40 }, (_, i) => i + 1));
    const known = all.slice(0, 25);
    // A known record is taken as read: its file is not read again.
    await writeFile(commitPath(layout, 3), 'not read');
    assert.deepEqual(await readCommits(layout, known), all);
    await assert.rejects(readCommits(layout), /00000003\.json is damaged/);
    await rm(commitPath(layout, 40));
    await rm(commitPath(layout, 39));
    await writeFile(commitPath(layout, 3), JSON.stringify(sample(3, 3, { consumed: consumed(3) })));
    await assert.rejects(readCommits(layout, all), /commit log lost records: 40 were read, 38 are listed/);
  });

  it('the first problem in version order is the one reported: a newer protocol before a gap, an unreadable record named', async () => {
    const newerThenGap = await logWith([sample(1, 3), sample(2, 4), sample(3, 3), sample(5, 3)], ['00000001.json', '00000002.json', '00000003.json', '00000005.json']);
    await assert.rejects(readCommits(newerThenGap), (error: unknown) => error instanceof CommitProtocolError);
    const folder = await logWith([sample(1, 3), sample(2, 3)]);
    await mkdir(commitPath(folder, 3));
    await assert.rejects(readCommits(folder), (error: unknown) =>
      error instanceof CommitLogError && error.message.startsWith(`commit record ${commitPath(folder, 3)} is unreadable (`));
  });

  it('a damaged log: text that is not JSON, a version that differs from the name', async () => {
    await assert.rejects(readCommits(await logWith([sample(1, 2), '{"protocol": 2,'])), /00000002\.json is damaged \(not valid JSON/);
    await assert.rejects(readCommits(await logWith([sample(1, 2), sample(3, 2)])), /00000002\.json is damaged \(version: it says 3, its name 2\)/);
  });

  it('a gap in the log', async () => {
    const layout = await logWith([sample(1, 2), sample(3, 2)], ['00000001.json', '00000003.json']);
    await assert.rejects(readCommits(layout), /^Error: commit log has a gap: expected version 2, found 00000003\.json$/);
    assert.deepEqual(await readCommits(await logWith([])), []);
  });
});

describe('writing commit records', () => {
  it('writes this version\'s protocol, even for a record copied from a protocol 1 one (rollback)', async () => {
    const layout = await logWith([sample(1, 1)]);
    const [first] = await readCommits(layout);
    await writeCommit(layout, { ...first!, version: 2, parent: 1, operation: 'rollback', consumed: [] });
    const text = await readFile(commitPath(layout, 2), 'utf8');
    const written = JSON.parse(text) as Commit;
    assert.equal(written.protocol, COMMIT_PROTOCOL);
    assert.equal(COMMIT_PROTOCOL, 3);
    assert.equal(Object.keys(written)[0], 'protocol', 'fields in the documented order');
    assert.deepEqual((await readCommits(layout)).map((c) => c.protocol), [1, 3]);
    assert.deepEqual(written.consumed, [], 'copied checksums are written as protocol 3 ones');
    assert.deepEqual(written.catalog, [{ path: 'subscriptions.parquet', size: 1520, checksum: `sha256:${SHA}` }]);
  });

  it('never overwrites, and refuses a record no reader would accept before writing anything', async () => {
    const layout = await logWith([sample(1, 3)]);
    const { protocol: _, ...draft } = sample(1, 3) as Commit;
    await assert.rejects(writeCommit(layout, draft), ConcurrentCommitError);
    const bad = { ...draft, version: 2, counts: { ...draft.counts, inserted: Number.NaN } };
    await assert.rejects(writeCommit(layout, bad), /refusing to write commit record 2, which no reader would accept: counts\.inserted: /);
    assert.deepEqual(await readdir(layout.log), ['00000001.json']);
  });
});

describe('through the CLI', () => {
  it('a run writes protocol 3; a newer record stops every command with exit 2', async () => {
    const lake = await tempLake();
    try {
      const rec = (Id: number) => JSON.stringify({ Id, active: true, subscription: 'basic', cost: 1, start_date: '2023-01-01' });
      await writeJournalFile(lake, { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${rec(1)}\n${rec(2)}\n` });
      await runJson(lake);
      const file = path.join(lake, 'snapshot', '_log', '00000001.json');
      const record = JSON.parse(await readFile(file, 'utf8'));
      assert.equal(record.protocol, 3);
      assert.match(record.consumed[0].checksum, /^sha256:[0-9a-f]{64}$/);
      await writeFile(file, JSON.stringify({ ...record, protocol: 4 }));
      await writeJournalFile(lake, { path: 'date=2024-01-02/a.jsonl', date: '2024-01-02', content: `${rec(3)}\n` });
      for (const command of [['log'], ['run'], ['validate'], ['rollback', '1'], ['vacuum', '--keep-versions', '1']]) {
        const result = await subsnap([...command, '--lake', lake]);
        assert.equal(result.code, 2, `${command[0]}: ${result.stdout}${result.stderr}`);
        assert.equal(result.stderr.trim(), `subsnap: commit record ${file} was written by a newer subsnap (protocol 4; this one reads up to 3): upgrade subsnap`);
      }
      assert.deepEqual(await readdir(path.join(lake, 'snapshot', '_log')), ['00000001.json'], 'nothing was committed');
    } finally {
      await removeLake(lake);
    }
  });
});
