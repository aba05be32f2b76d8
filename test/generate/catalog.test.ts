import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { CATALOG_FILE_NAME, catalogEntries, writeCatalog } from '../../src/generate/catalog.js';
import { SUBSCRIPTION_NAMES } from '../../src/generate/plans.js';

describe('catalog', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'subsnap-catalog-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has the 10 fixed subscription types, each once', () => {
    const entries = catalogEntries(1);
    assert.equal(entries.length, 10);
    assert.deepEqual(
      entries.map((e) => e.subscription),
      [...SUBSCRIPTION_NAMES],
    );
    assert.equal(new Set(entries.map((e) => e.subscription)).size, 10);
  });

  it('has plausible channel counts and string-valued extras', () => {
    for (const seed of [0, 1, 2, 99, -5]) {
      for (const e of catalogEntries(seed)) {
        assert.ok(Number.isInteger(e.numberOfChannels) && e.numberOfChannels >= 20 && e.numberOfChannels <= 400);
        assert.ok(Object.keys(e.extras).length >= 3);
        for (const v of Object.values(e.extras)) assert.equal(typeof v, 'string');
        assert.ok(['true', 'false'].includes(e.extras.hd as string));
      }
    }
  });

  it('depends on the seed only', () => {
    assert.deepEqual(catalogEntries(5), catalogEntries(5));
    const variants = new Set([1, 2, 3, 4, 5].map((s) => JSON.stringify(catalogEntries(s))));
    assert.ok(variants.size > 1);
  });

  it('round-trips through Parquet with the exact column types', async () => {
    const entries = catalogEntries(3);
    entries[0] = { ...entries[0]!, extras: { ...entries[0]!.extras, note: "it's" } }; // quoting
    const path = await writeCatalog(join(dir, 'catalog'), entries);
    assert.equal(path, join(dir, 'catalog', CATALOG_FILE_NAME));
    assert.deepEqual(await readdir(join(dir, 'catalog')), [CATALOG_FILE_NAME], 'no temp file left behind');

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const sqlPath = path.replaceAll("'", "''");
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${sqlPath}')`);
      const columns = described.getRowObjectsJS().map((r) => [r.column_name, r.column_type]);
      assert.deepEqual(columns, [
        ['subscription', 'VARCHAR'],
        ['numberOfChannels', 'BIGINT'],
        ['extras', 'MAP(VARCHAR, VARCHAR)'],
      ]);
      const rows = await connection.runAndReadAll(
        `SELECT subscription, "numberOfChannels", CAST(map_keys(extras) AS VARCHAR[]) AS k,
                CAST(map_values(extras) AS VARCHAR[]) AS v FROM read_parquet('${sqlPath}')`,
      );
      const back = rows.getRowObjectsJS().map((r) => ({
        subscription: r.subscription,
        numberOfChannels: Number(r.numberOfChannels),
        extras: Object.fromEntries((r.k as string[]).map((k, i) => [k, (r.v as string[])[i]])),
      }));
      assert.deepEqual(back, entries);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('replaces an existing catalog file', async () => {
    const target = join(dir, 'again');
    await writeCatalog(target, catalogEntries(1));
    await writeCatalog(target, catalogEntries(2));
    assert.deepEqual(await readdir(target), [CATALOG_FILE_NAME]);
  });
});
