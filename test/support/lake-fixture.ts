// Shared test plumbing: temporary lakes, in-process runs on a real engine, and reading a committed
// version back in the reference model's normalized row shape.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig, type ConfigInput } from '../../src/core/config.js';
import { runSnapshot } from '../../src/core/run-snapshot.js';
import type { RunReport } from '../../src/core/run-report.js';
import { openDuckDb } from '../../src/engines/duckdb/duckdb-engine.js';
import { parquetTable } from '../../src/core/parquet-source.js';
import { localStorage } from '../../src/lake/storage/local-storage.js';
import { writeCatalog } from '../../src/generate/catalog.js';
import { compareNatural } from '../../src/lake/journal-files.js';
import type { CatalogEntry, ModelFile, ModelRejected, ModelRow } from '../model/reference-model.js';

export const TEST_CATALOG: CatalogEntry[] = [
  { subscription: 'basic', numberOfChannels: 10, extras: { hd: 'false' } },
  { subscription: 'premium', numberOfChannels: 200, extras: { hd: 'true', devices: '4' } },
];

export async function tempLake(catalog: CatalogEntry[] = TEST_CATALOG): Promise<string> {
  const lake = await mkdtemp(path.join(os.tmpdir(), 'subsnap-test-'));
  await writeCatalog(path.join(lake, 'catalog'), catalog);
  return lake;
}

/** Runs `body` in a fresh lake (with the test catalog), removed afterwards. */
export async function withLake(body: (lake: string) => Promise<void>): Promise<void> {
  const lake = await tempLake();
  try {
    await body(lake);
  } finally {
    await removeLake(lake);
  }
}

export async function removeLake(lake: string): Promise<void> {
  await rm(lake, { recursive: true, force: true });
}

/** Writes a journal file; a path ending in .gz is compressed. */
export async function writeJournalFile(lake: string, file: ModelFile): Promise<void> {
  const full = path.join(lake, 'journal', file.path);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, file.path.endsWith('.gz') ? gzipSync(file.content) : file.content);
}

export async function runIn(lake: string, overrides: ConfigInput = {}, until?: string): Promise<RunReport> {
  const config = await loadConfig({ overrides: { lake, ...overrides }, cwd: lake });
  const engine = await openDuckDb({ threads: 2 });
  try {
    return await runSnapshot({ config, engine, until });
  } finally {
    await engine.close();
  }
}

/**
 * A query over the Parquet files of `dir` (named `files` in `sql`), read as the engine reads them: any
 * path works. Text columns travel as base64: the client's text decoding drops a leading U+FEFF.
 */
async function queryFiles(dir: string, sql: (files: string) => string): Promise<Record<string, unknown>[]> {
  const engine = await openDuckDb();
  try {
    const table = await parquetTable(engine, localStorage, dir);
    const text = (await engine.columns(`SELECT * FROM ${table}`)).filter((c) => c.type === 'VARCHAR').map((c) => c.name);
    const q = engine.dialect.identifier;
    const exact = text.length ? `(SELECT * REPLACE (${text.map((c) => `to_base64(encode(${q(c)})) AS ${q(c)}`).join(', ')}) FROM ${table})` : table;
    const rows = await engine.query(sql(exact));
    for (const row of rows) for (const c of text) if (typeof row[c] === 'string') row[c] = Buffer.from(row[c] as string, 'base64').toString('utf8');
    return rows;
  } finally {
    await engine.close();
  }
}

const mapToObject = (value: unknown): Record<string, string> | null =>
  value === null ? null : Object.fromEntries((value as { key: string; value: string }[]).map((e) => [e.key, e.value]));

/** The rows of a version directory, shaped and ordered like the model's rows. */
export async function readVersionRows(dir: string, key = 'Id'): Promise<ModelRow[]> {
  const rows = await queryFiles(dir, (files) => `SELECT * FROM ${files} ORDER BY "${key.replace(/"/g, '""')}"`);
  return rows.map((r) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'extras') row[k] = mapToObject(v);
      else if (k === '_journal_line') row[k] = Number(v);
      else row[k] = v;
    }
    return row as unknown as ModelRow;
  });
}

export async function readQuarantine(dir: string | null): Promise<ModelRejected[]> {
  if (!dir) return [];
  const rows = await queryFiles(dir, (files) =>
    `SELECT journal_file, CAST(journal_date AS VARCHAR) AS journal_date, position, reason, raw FROM ${files}`);
  return rows
    .map((r) => ({ ...(r as unknown as ModelRejected), position: Number(r.position) }))
    .sort((a, b) => (a.journal_date < b.journal_date ? -1 : a.journal_date > b.journal_date ? 1 : compareNatural(a.journal_file, b.journal_file) || a.position - b.position));
}
