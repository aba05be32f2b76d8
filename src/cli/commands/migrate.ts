import { Command } from 'commander';
import { migrateSnapshot } from '../../core/migrate.js';
import { reportWithEngine, withCommon, withPolicies } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';

/** `subsnap migrate`: a changed schema or PII policy applied to the current snapshot. */
export function migrateCommand(): Command {
  const command = withPolicies(withCommon(new Command('migrate')))
    .description('apply a changed record schema or PII policy to the current snapshot, without the journal')
    .option('--json', 'print the report as one JSON object')
    .action(async (flags) => {
      await reportWithEngine(flags, (config, engine) => migrateSnapshot(config, engine));
    });
  return withExitCodes(command, { ok: 'the migrated version was committed' });
}
