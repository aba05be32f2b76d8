// The enrichment catalog: 10 subscription types with channel counts and an extras map,
// written as the Parquet file the snapshot joins on `subscription`.

import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SUBSCRIPTION_NAMES } from './plans.js';
import { createRng, deriveSeed, nextInt, pick } from './rng.js';
import type { Rng } from './rng.js';

export interface CatalogEntry {
  subscription: string;
  numberOfChannels: number;
  extras: Record<string, string>;
}

export const CATALOG_FILE_NAME = 'subscriptions.parquet';

interface PlanSpec {
  channels: readonly [number, number];
  // Each extra picks one of its candidate values, so the seed varies the catalog while
  // every value stays plausible for the plan (a Basic plan never gets 4K and 6 devices).
  extras: Readonly<Record<string, readonly string[]>>;
}

const PLAN_SPECS: Readonly<Record<(typeof SUBSCRIPTION_NAMES)[number], PlanSpec>> = {
  Basic: { channels: [30, 60], extras: { hd: ['false'], devices: ['1'], support: ['email'], ads: ['true'] } },
  Standard: { channels: [80, 120], extras: { hd: ['true'], devices: ['2'], support: ['email', 'chat'], ads: ['true', 'false'] } },
  Premium: { channels: [150, 220], extras: { hd: ['true'], uhd: ['true'], devices: ['4'], support: ['chat', 'phone'], ads: ['false'] } },
  Family: { channels: [120, 180], extras: { hd: ['true'], devices: ['5', '6'], profiles: ['5', '6'], parental_controls: ['true'], support: ['chat'] } },
  Sports: { channels: [40, 80], extras: { hd: ['true'], uhd: ['true', 'false'], devices: ['2', '3'], live_events: ['true'], support: ['chat', 'phone'] } },
  Movies: { channels: [50, 90], extras: { hd: ['true'], uhd: ['true', 'false'], devices: ['2', '3'], downloads: ['true'], support: ['email'] } },
  Kids: { channels: [25, 45], extras: { hd: ['true', 'false'], devices: ['2'], parental_controls: ['true'], ads: ['false'], support: ['email'] } },
  News: { channels: [20, 40], extras: { hd: ['true', 'false'], devices: ['1', '2'], support: ['email'] } },
  Ultimate: { channels: [250, 400], extras: { hd: ['true'], uhd: ['true'], devices: ['6'], downloads: ['true'], support: ['24x7'], ads: ['false'] } },
  Student: { channels: [60, 100], extras: { hd: ['true'], devices: ['1'], ads: ['true'], support: ['email'], verification: ['student_id'] } },
};

function entryFor(name: (typeof SUBSCRIPTION_NAMES)[number], rng: Rng): CatalogEntry {
  const spec = PLAN_SPECS[name];
  const extras: Record<string, string> = {};
  for (const [key, values] of Object.entries(spec.extras)) extras[key] = pick(rng, values);
  return { subscription: name, numberOfChannels: nextInt(rng, spec.channels[0], spec.channels[1]), extras };
}

/** The 10 catalog entries; names are fixed, channel counts and extras depend on the seed only. */
export function catalogEntries(seed: number): CatalogEntry[] {
  const rng = createRng(deriveSeed(seed, 'catalog'));
  return SUBSCRIPTION_NAMES.map((name) => entryFor(name, rng));
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function mapLiteral(extras: Record<string, string>): string {
  const pairs = Object.entries(extras).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`);
  return `MAP {${pairs.join(', ')}}::MAP(VARCHAR, VARCHAR)`;
}

function rowLiteral(e: CatalogEntry): string {
  if (!Number.isSafeInteger(e.numberOfChannels)) {
    throw new RangeError(`numberOfChannels of ${e.subscription} must be an integer, got ${e.numberOfChannels}`);
  }
  return `(${sqlString(e.subscription)}::VARCHAR, ${e.numberOfChannels}::BIGINT, ${mapLiteral(e.extras)})`;
}

/**
 * Writes `<dir>/subscriptions.parquet` with columns exactly
 * `subscription VARCHAR, numberOfChannels BIGINT, extras MAP(VARCHAR, VARCHAR)`.
 * The file is written under a dot-name that does not end in `.parquet` and renamed at the
 * end, so a reader globbing the catalog never sees a half-written file.
 */
export async function writeCatalog(dir: string, entries: readonly CatalogEntry[]): Promise<string> {
  if (entries.length === 0) throw new RangeError('the catalog needs at least one entry');
  await mkdir(dir, { recursive: true });
  const finalPath = join(dir, CATALOG_FILE_NAME);
  const tmpPath = join(dir, `.${CATALOG_FILE_NAME}.tmp-${process.pid}`);
  const select =
    `SELECT * FROM (VALUES ${entries.map(rowLiteral).join(', ')}) ` +
    `AS t(subscription, "numberOfChannels", extras)`;
  // Loaded here only: generating journal files alone does not need DuckDB.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`COPY (${select}) TO ${sqlString(tmpPath)} (FORMAT PARQUET)`);
    } finally {
      connection.closeSync();
    }
    await rename(tmpPath, finalPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  } finally {
    instance.closeSync();
  }
  return finalPath;
}
