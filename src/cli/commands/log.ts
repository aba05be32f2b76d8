import { Command } from 'commander';
import { committedVersions } from '../../core/lake-history.js';
import { lakeConfigFrom, withCommon } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { formatLog } from '../tables.js';

/** `subsnap log`: the version history. */
export function logCommand(): Command {
  const command = withCommon(new Command('log'))
    .description('print the version history with counts')
    .option('--json', 'print the commit records as NDJSON')
    .action(async (flags) => {
      const { lake } = await lakeConfigFrom(flags);
      const commits = await committedVersions(lake);
      console.log(flags.json ? commits.map((c) => JSON.stringify(c)).join('\n') : formatLog(commits));
    });
  return withExitCodes(command, { ok: 'the history was printed' });
}
