// Crash safety: SIGKILL at every stage of a run leaves the previous version current and intact, and
// the next run ends where an uninterrupted one would. One writer per lake.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RUN_CRASH_POINTS } from '../../src/core/fault-points.js';
import { readVersionRows, removeLake, tempLake, writeJournalFile } from '../support/lake-fixture.js';
import { runJson, subsnap } from '../support/cli.js';

const rec = (Id: number, cost: number) => JSON.stringify({ Id, active: true, subscription: 'basic', cost, start_date: '2023-01-01' });
/** The days hold a bad record of three on purpose: the reject threshold is lifted for them. */
const LIFT = ['--max-rejected-share', '1'];
const DAY1 = { path: 'date=2024-01-01/a.jsonl', date: '2024-01-01', content: `${rec(1, 1)}\n${rec(2, 1)}\n{bad\n` };
const DAY2 = { path: 'date=2024-01-02/a.jsonl.gz', date: '2024-01-02', content: `${rec(2, 2)}\n${rec(3, 2)}\n{bad\n` };

describe('crash at each stage of a run', () => {
  for (const point of RUN_CRASH_POINTS) {
    it(`SIGKILL when ${point}`, async () => {
      const lake = await tempLake();
      try {
        await writeJournalFile(lake, DAY1);
        const v1 = await runJson(lake, LIFT);
        const before = await readVersionRows(v1.snapshotPath);
        await writeJournalFile(lake, DAY2);
        const crashed = await subsnap(['run', '--lake', lake, '--json', ...LIFT], { SUBSNAP_CRASH_AT: point });
        assert.equal(crashed.signal, 'SIGKILL', `the run was killed at ${point}: ${crashed.stderr}`);

        const log = (await subsnap(['log', '--lake', lake, '--json'])).stdout.trim().split('\n');
        assert.equal(log.length, point === 'committed' ? 2 : 1, 'the commit record is the commit point');
        assert.deepEqual(await readVersionRows(v1.snapshotPath), before, 'version 1 is intact');
        const valid = await subsnap(['validate', '--lake', lake]);
        assert.equal(valid.code, 0, valid.stdout);

        const next = await runJson(lake, LIFT);
        assert.equal(next.committed, point !== 'committed');
        assert.equal(next.version, 2);
        const rows = await readVersionRows(next.snapshotPath);
        assert.deepEqual(rows.map((r) => [r.Id, r.cost]), [['1', '1.00'], ['2', '2.00'], ['3', '2.00']]);
        assert.deepEqual(await readdir(path.join(lake, 'snapshot', 'versions')), ['00000001', '00000002']);
        assert.deepEqual((await readdir(path.join(lake, 'quarantine'))).sort(), ['version=00000001', 'version=00000002']);
        assert.equal((await subsnap(['validate', '--lake', lake])).code, 0);
      } finally {
        await removeLake(lake);
      }
    });
  }
});

describe('one writer per lake', () => {
  it('a run while another holds the lock fails clearly; a stale lock is recovered', async () => {
    const lake = await tempLake();
    try {
      await writeJournalFile(lake, DAY1);
      const lock = path.join(lake, 'snapshot', '_lock');
      await mkdir(path.dirname(lock), { recursive: true });
      const holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), token: 'test' };
      await writeFile(lock, JSON.stringify(holder));
      const blocked = await subsnap(['run', '--lake', lake, ...LIFT]);
      assert.equal(blocked.code, 2);
      assert.match(blocked.stderr, new RegExp(`another subsnap run holds the lake \\(pid ${process.pid}`));
      assert.equal((await subsnap(['log', '--lake', lake])).code, 2, 'nothing committed');

      const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
      await writeFile(lock, JSON.stringify({ ...holder, pid: dead }));
      const recovered = await runJson(lake, LIFT);
      assert.equal(recovered.version, 1);
    } finally {
      await removeLake(lake);
    }
  });
});
