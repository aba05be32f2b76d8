// Pins the shape of DuckDB's plans for a daily run: the previous version is filtered by the day's keys
// through hash semi/anti joins built on those keys, never by a plan that groups every previous row.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config.js';
import { runSnapshot } from '../../src/core/run-snapshot.js';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import type { Engine } from '../../src/engines/engine.js';
import { writeJournal } from '../../src/generate/journal.js';
import { removeLake, tempLake } from '../support/lake-fixture.js';

interface Explained { sql: string; plan: string }

/** An engine that asks DuckDB for the physical plan of every table and COPY it runs (staged relations are COPYs too). */
function explaining(engine: Engine, record: (e: Explained) => void): Engine {
  const SELECT = /^(?:CREATE OR REPLACE TEMP TABLE "[^"]+" AS |COPY \()([\s\S]*?)(?:\) TO '[^']*' \(FORMAT parquet[^)]*\))?$/;
  return {
    ...engine,
    async run(sql) {
      const select = SELECT.exec(sql)?.[1];
      if (select) {
        const rows = await engine.query(`EXPLAIN ${select}`);
        record({ sql, plan: rows.map((r) => String(r.explain_value)).join('\n') });
      }
      return engine.run(sql);
    },
  };
}

describe('plan shape on DuckDB (EXPLAIN)', () => {
  it('filters the previous version by hash semi and anti joins on the day\'s keys, with no delim join or grouping over it', async () => {
    const lake = await tempLake();
    try {
      await writeJournal(lake, { seed: 11, start: '2024-03-01', days: 2, recordsPerDay: 3000, idMax: 4000, dirtyRate: 0.02, duplicateRate: 0.1 });
      const config = await loadConfig({ overrides: { lake, maxRejectedShare: 1 }, cwd: lake });
      const run = async (until: string, record: (e: Explained) => void = () => undefined) => {
        const engine = await openDuckDb();
        try {
          return await runSnapshot({ config, engine: explaining(engine, record), until });
        } finally {
          await engine.close();
        }
      };
      await run('2024-03-01');
      const plans: Explained[] = [];
      const report = await run('2024-03-02', (e) => plans.push(e));
      assert.ok(report.committed);
      // The plans that scan Parquet with lineage columns read the previous version (the catalog has none).
      const reading = (p: Explained) => /READ_PARQUET/.test(p.plan) && /_journal_line/.test(p.plan);
      const previous = plans.filter(reading);
      assert.ok(previous.length >= 2, `the previous version is read by the rows of the day's keys and by the write (plans: ${plans.length})`);
      for (const p of previous) {
        assert.doesNotMatch(p.plan, /DELIM_JOIN/, `no delim join over the previous version:\n${p.plan}`);
        assert.doesNotMatch(p.plan, /HASH_GROUP_BY/, `no grouping of the previous version:\n${p.plan}`);
      }
      const write = previous.find((p) => p.sql.startsWith('COPY') && p.sql.includes('/snapshot/part-'));
      assert.ok(write, 'the snapshot write reads the previous version');
      assert.match(write.plan, /Join Type: ANTI/, 'the write leaves out the changed keys by an anti join');
      assert.ok(previous.some((p) => /Join Type: SEMI/.test(p.plan)), 'the rows of the day\'s keys come from a semi join');
    } finally {
      await removeLake(lake);
    }
  });
});
