import { Command } from 'commander';
import { backfillSnapshot } from '../../core/backfill.js';
import { reportWithEngine, withCommon, withPolicies, withRejectedShare } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { day } from '../parsers.js';

/** `subsnap backfill`: refold from a journal day on, as a new version. */
export function backfillCommand(): Command {
  const command = withRejectedShare(withPolicies(withCommon(new Command('backfill'))))
    .description('rebuild from a journal date on (after a fix, a corrected or a late day), as a new version')
    .requiredOption('--from <date>', 'first journal day to fold again', day)
    .option('--to <date>', 'fold new files only up to this day (files already folded are always refolded)', day)
    .option('--json', 'print the report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine, onProgress) =>
        backfillSnapshot({ config, engine, from: flags.from, to: flags.to, onProgress }));
    });
  return withExitCodes(command, { ok: 'the rebuilt version was committed' });
}
