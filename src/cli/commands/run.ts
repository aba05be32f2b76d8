import { Command } from 'commander';
import { runSnapshot } from '../../core/run-snapshot.js';
import { reportWithEngine, withCommon, withPolicies, withRejectedShare } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { day } from '../parsers.js';

/** `subsnap run`: the daily fold. */
export function runCommand(): Command {
  const command = withRejectedShare(withPolicies(withCommon(new Command('run'))))
    .description('fold the journal files not yet consumed into a new snapshot version')
    .option('--until <date>', 'fold journal days up to this date only', day)
    .option('--json', 'print the run report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine, onProgress) => runSnapshot({ config, engine, until: flags.until, onProgress }));
    });
  return withExitCodes(command, { ok: 'a version was committed, or there was nothing new' });
}
