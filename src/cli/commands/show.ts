import { Command } from 'commander';
import { resolveVersion, versionRows } from '../../core/lake-history.js';
import { lakeConfigFrom, withCommon, withReader } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { openEngine } from '../open-engine.js';
import { int, int64 } from '../parsers.js';
import { formatRows, plainRow } from '../tables.js';
import { withVersionSelector } from './version-selector.js';

/** `subsnap show`: rows of a committed version. */
export function showCommand(): Command {
  const command = withVersionSelector(withReader(withCommon(new Command('show'))), 'version to read (default: current)')
    .description('print rows of a committed version')
    .option('--id <id>', 'only the row of this key', int64)
    .option('--limit <n>', 'at most this many rows', int(0), 20)
    .option('--json', 'print rows as NDJSON')
    .action(async (flags: { version?: number; asOf?: string; id?: bigint; limit: number; json?: boolean; lake?: string; config?: string; engine?: string; sparkRemote?: string; webhdfs?: string }) => {
      const { config, lake } = await lakeConfigFrom(flags);
      const target = await resolveVersion(lake, { version: flags.version, asOf: flags.asOf });
      const engine = openEngine(config);
      try {
        // Only parsed values reach the SQL: a bigint and a safe integer, through the dialect's literal.
        const rows = await versionRows(engine, target, { key: config.schema.key, id: flags.id?.toString(), limit: flags.limit });
        console.log(flags.json ? rows.map((r) => JSON.stringify(plainRow(r))).join('\n') : formatRows(rows));
      } finally {
        await engine.close();
      }
    });
  return withExitCodes(command, { ok: 'the rows were printed (none, when no row matches)' });
}
