// Keeps `npm run bench` working: the tiny scale (S=100k), one repetition, every contender.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('benchmark script', { timeout: 900_000 }, () => {
  it('runs every contender at the tiny scale and writes the table, JSON and chart', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'subsnap-bench-out-'));
    const data = await mkdtemp(path.join(os.tmpdir(), 'subsnap-bench-data-'));
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'run-bench.ts'),
        '--scales', 'tiny', '--reps', '1', '--spark-warm-ups', '1', '--out', out, '--data', data], { cwd: root, encoding: 'utf8', timeout: 850_000 });
      assert.equal(run.status, 0, run.stderr.slice(-4000));
      const results = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8'));
      assert.deepEqual(results.results.map((r: { contender: string }) => r.contender).sort(), ['duckdb', 'floor', 'generator', 'noop', 'pyspark', 'spark', 'spark-floor']);
      for (const r of results.results) {
        assert.ok(r.median > 0 && r.peakRssMb > 0, `${r.contender} measured`);
      }
      const noop = results.results.find((r: { contender: string }) => r.contender === 'noop');
      assert.ok(noop.median < 5000, `a no-op run takes ${noop.median} ms`);
      const table = await readFile(path.join(out, 'results.md'), 'utf8');
      assert.match(table, /\| tiny \| 100k \| 10k \| subsnap run \(DuckDB\)/);
      assert.match(table, /\| no-op run < 1 s at every scale \| slowest median [\d.]+ s at tiny \| (yes|no) \|/);
      assert.match(await readFile(path.join(out, 'time-vs-snapshot.svg'), 'utf8'), /^<svg /);
      // Each result names its machine; one machine, so no marks.
      for (const r of results.results) assert.match(r.machine, /^\d+ cores \(/, `${r.contender} names its machine`);
      assert.ok(!/ \(A\) \|/.test(table), 'one machine: results are not marked');
      // --report-only writes the table again from results.json; a result of another machine is marked.
      const other = { ...results.results[0], scale: 'small', machine: '2 cores (another cpu), 24 GB RAM, Node v20' };
      await writeFile(path.join(out, 'results.json'), JSON.stringify({ ...results, results: [...results.results, other] }));
      const again = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'run-bench.ts'), '--report-only', '--out', out],
        { cwd: root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(again.status, 0, again.stderr.slice(-4000));
      const marked = await readFile(path.join(out, 'results.md'), 'utf8');
      assert.match(marked, /- \(B\) 2 cores \(another cpu\)/);
      assert.match(marked, /\| tiny \| 100k \| 10k \| subsnap run \(DuckDB\) \|.* \(A\) \|/);
      assert.match(marked, /\| small \| 100k \| 10k \| subsnap run \(DuckDB\) \|.* \(B\) \|/);
    } finally {
      await rm(out, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  });
});
