// A relation the DuckDB engine stages in the run's scratch folder is read back from exactly that
// folder, whatever characters the lake's path holds: DuckDB reads a path with `*` as a pattern, and
// would read a sibling folder's file of the same name too.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';

describe('DuckDB staged relations', () => {
  it('are read from their own scratch folder under a path with glob characters, not a sibling it matches', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-staged-'));
    const engine = await openDuckDb();
    try {
      const [ours, sibling] = [path.join(root, 'st*ar', 'engine'), path.join(root, 'stZar', 'engine')];
      for (const dir of [ours, sibling]) await fs.mkdir(dir, { recursive: true });
      // The sibling holds a file of the same name, which the pattern st*ar would match.
      for (const statement of engine.dialect.createTemp('t', 'SELECT 2 AS a', sibling)) await engine.run(statement);
      const [scratch] = await engine.readPaths([ours]);
      for (const statement of engine.dialect.createTemp('t', 'SELECT 1 AS a', scratch!)) await engine.run(statement);
      assert.deepEqual(await engine.query('SELECT a FROM t'), [{ a: 1 }]);
      assert.ok((await fs.readdir(ours)).some((f) => f.endsWith('.parquet')), 'the file is written into the scratch folder itself');
    } finally {
      await engine.close();
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
