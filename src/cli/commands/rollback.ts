import { Command } from 'commander';
import { rollbackTo } from '../../core/rollback.js';
import { lakeConfigFrom, withCommon } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { int } from '../parsers.js';

/** `subsnap rollback N`: a new version equal to version N. */
export function rollbackCommand(): Command {
  const command = withCommon(new Command('rollback'))
    .description('commit a new version whose contents equal version N (history is kept)')
    .argument('<version>', 'the version to restore', int(1))
    .option('--json', 'print the report as one JSON object')
    .action(async (version: number, flags) => {
      const { lake } = await lakeConfigFrom(flags);
      const report = await rollbackTo(lake, version);
      console.log(flags.json ? JSON.stringify(report) : report.message);
    });
  return withExitCodes(command, { ok: 'the new version was committed' });
}
