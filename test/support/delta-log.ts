// Delta logs in the tests. A lake's Delta log as two engines must agree on it: every entry's actions, without what differs by
// nature (times, the table id, data file names and sizes, which each engine picks): commitInfo's
// operation and tags, metaData's schema and configuration, and the version folders removed and added.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCHEMA } from '../../src/core/record-schema.js';
import type { LakeStorage } from '../../src/lake/storage/lake-storage.js';
import { localStorage } from '../../src/lake/storage/local-storage.js';
import { subsnap } from './cli.js';
import { runSetupScript } from '../../src/services/setup-script.js';

type Action = Record<string, Record<string, unknown>>;

function comparableAction(action: Action): unknown {
  const [kind, body] = Object.entries(action)[0]!;
  switch (kind) {
    case 'commitInfo':
      return { commitInfo: { operation: body.operation, operationParameters: body.operationParameters, tags: body.tags } };
    case 'metaData':
      return { metaData: { schemaString: body.schemaString, configuration: body.configuration, partitionColumns: body.partitionColumns } };
    case 'add':
    case 'remove':
      return { [kind]: path.posix.dirname(String(body.path)) };
    default:
      return action;
  }
}

/** `lake`: the lake's folder in `storage` (the local disk by default). */
export async function comparableDeltaLog(lake: string, storage: LakeStorage = localStorage): Promise<unknown[][]> {
  const dir = path.join(lake, 'snapshot', '_delta_log');
  const entries = (await storage.list(dir)).filter((n) => /^\d{20}\.json$/.test(n)).sort();
  return Promise.all(entries.map(async (name) => {
    const text = (await storage.read(path.join(dir, name)))!.text;
    const actions = text.trim().split('\n').map((l) => comparableAction(JSON.parse(l) as Action));
    // One action per version folder and kind: engines may write a version as one file or several.
    return [...new Map(actions.map((a) => [JSON.stringify(a), a])).values()];
  }));
}

async function cli(args: string[]): Promise<void> {
  const result = await subsnap(args);
  if (result.code !== 0) throw new Error(`subsnap ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
}

/**
 * A lake whose history changes its columns: three runs, a migration adding the field `region`, a run
 * with it, and a rollback to version 2 (across the migration): versions 1..6. `work` holds the
 * configuration file of the migration.
 */
export async function lakeWithSchemaChanges(lake: string, work: string): Promise<void> {
  await cli(['generate', '--lake', lake, '--days', '4', '--records', '80', '--id-max', '120', '--dirty-rate', '0.01']);
  for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) await cli(['run', '--lake', lake, '--until', day]);
  const config = await regionConfig(work);
  await cli(['migrate', '--config', config, '--lake', lake]);
  await cli(['run', '--config', config, '--lake', lake, '--until', '2024-01-04']);
  await cli(['rollback', '2', '--lake', lake]);
}

/** A configuration file in `work` whose schema adds the string field `region` (a migration's new column). */
export async function regionConfig(work: string): Promise<string> {
  const config = path.join(work, 'region.json');
  await writeFile(config, JSON.stringify({ schema: { ...DEFAULT_SCHEMA, fields: [...DEFAULT_SCHEMA.fields, { name: 'region', type: 'string' }] } }));
  return config;
}

/** The Python of the Delta readers' venv (delta-rs, pandas, DuckDB, the Trino client), installed by scripts/setup-delta.sh. */
export async function deltaReadersPython(): Promise<string> {
  return path.join(await runSetupScript('setup-delta.sh'), 'bin', 'python');
}
