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
      // --report-only writes the table again from results.json (which it leaves as it was); results of
      // other machines are marked, and no ratio is given between machines, even when measured together.
      const reportOnly = async (json: unknown) => {
        const text = JSON.stringify(json);
        await writeFile(path.join(out, 'results.json'), text);
        const again = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'run-bench.ts'), '--report-only', '--out', out],
          { cwd: root, encoding: 'utf8', timeout: 60_000 });
        assert.equal(again.status, 0, again.stderr.slice(-4000));
        assert.equal(await readFile(path.join(out, 'results.json'), 'utf8'), text, '--report-only leaves results.json as it was');
        return readFile(path.join(out, 'results.md'), 'utf8');
      };
      const duck = results.results.find((r: { contender: string }) => r.contender === 'duckdb');
      const floor = results.results.find((r: { contender: string }) => r.contender === 'floor');
      assert.match(table, /\| tiny \| 100k \| 10k \| subsnap run \(DuckDB\) \|([^|]+\|){4} [\d.]+× \|/, 'one machine: the run is given against its floor');
      const elsewhere = [
        { ...duck, scale: 'small', snapshotKeys: 1_000_000, machine: '2 cores (another cpu), 24 GB RAM, Node v20' },
        { ...floor, scale: 'small', snapshotKeys: 1_000_000, machine: '2 cores (a third cpu), 24 GB RAM, Node v20' },
      ];
      const marked = await reportOnly({ ...results, results: [...results.results, ...elsewhere] });
      assert.match(marked, /- \(B\) 2 cores \(another cpu\)/);
      assert.match(marked, /- \(C\) 2 cores \(a third cpu\)/);
      assert.match(marked, /\| tiny \| 100k \| 10k \| subsnap run \(DuckDB\) \|([^|]+\|){4} [\d.]+× \| [^|]+ \(A\) \|/);
      assert.match(marked, /\| small \| 1M \| 10k \| subsnap run \(DuckDB\) \|([^|]+\|){4}  \| [^|]+ \(B\) \|/, 'no ratio between two machines');
      assert.match(marked, /DuckDB run ≤ 1\.5 × the all-columns floor \(small\) \| [\d.]+× \(measured apart: not judged\) \| see the values \|/);
      // Results recorded before results named their machine are the file's last machine's.
      const withoutMachine = ({ machine: _, ...rest }: { machine?: string }) => rest;
      const unnamed = await reportOnly({ ...results, machine: '2 cores (an older cpu), 24 GB RAM, Node v20',
        results: results.results.map(withoutMachine),
        prepared: Object.fromEntries(Object.entries(results.prepared).map(([k, p]) => [k, withoutMachine(p as { machine?: string })])) });
      assert.match(unnamed, /^- 2 cores \(an older cpu\)/m);
      assert.ok(!/ \(A\) \|/.test(unnamed), 'one machine: results are not marked');
    } finally {
      await rm(out, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  });
});
