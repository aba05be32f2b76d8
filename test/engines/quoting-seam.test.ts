// The one quoting seam of the embedded engine, fed text that SQL, JSON paths and globs could misread
// (the Spark engine runs the same check in spark-engine.test.ts).
import { describe, it } from 'node:test';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import { assertQuotingSeam } from '../support/trust-corpus.js';

describe('DuckDB quoting seam', () => {
  it('literal, identifier and jsonPath carry every text exactly', async () => {
    const engine = await openDuckDb();
    try {
      await assertQuotingSeam(engine);
    } finally {
      await engine.close();
    }
  });
});
