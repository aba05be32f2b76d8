import { Command } from 'commander';
import { vacuumLake } from '../../core/vacuum.js';
import { lakeConfigFrom, withCommon } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { int } from '../parsers.js';

/** `subsnap vacuum`: retention of versions and journal files. */
export function vacuumCommand(): Command {
  const command = withCommon(new Command('vacuum'))
    .description('delete the files of old versions and journal files past their TTL')
    .option('--keep-versions <n>', 'keep the files of the newest N versions', int(1), 10)
    .option('--journal-ttl <days>', 'delete journal files, and the quarantine of their days, older than this many days before the newest folded day', int(0))
    .option('--dry-run', 'only say what would be deleted')
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      const { lake } = await lakeConfigFrom(flags);
      const report = await vacuumLake(lake, { keepVersions: flags.keepVersions, journalTtlDays: flags.journalTtl, dryRun: Boolean(flags.dryRun) });
      if (flags.json) console.log(JSON.stringify(report));
      else {
        console.log(report.message);
        if (report.removedVersions.length) console.log(`  versions: ${report.removedVersions.join(', ')}`);
        for (const f of report.removedJournalFiles) console.log(`  journal: ${f}`);
        for (const q of report.removedQuarantine) console.log(`  quarantine: ${q}`);
        for (const f of report.keptChangedJournalFiles) console.log(`  kept (changed since folded): ${f}`);
        for (const w of report.warnings) console.log(`warning: ${w}`);
      }
    });
  return withExitCodes(command, { ok: 'deleted (or, with --dry-run, listed) what the retention allows' });
}
