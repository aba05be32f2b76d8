import { Command } from 'commander';
import { resolveVersion } from '../../core/lake-history.js';
import { validateSnapshot } from '../../core/validate-snapshot.js';
import { lakeConfigFrom, withCommon, withReader } from '../common-options.js';
import { EXIT, withExitCodes } from '../exit-codes.js';
import { openEngine } from '../open-engine.js';
import { withVersionSelector } from './version-selector.js';

/** `subsnap validate`: the data-quality checks of a committed version. */
export function validateCommand(): Command {
  const command = withVersionSelector(withReader(withCommon(new Command('validate'))), 'version to validate (default: the current one)')
    .description('run the data-quality tests on a committed version (default: the current one)')
    .option('--json', 'print the results as JSON')
    .action(async (flags) => {
      const { config, lake } = await lakeConfigFrom(flags);
      // A version missing one of its files is validated: it fails the schema check (exit 1), not the command.
      const target = await resolveVersion(lake, { version: flags.version, asOf: flags.asOf }, undefined, { allowIncomplete: true });
      const engine = openEngine(config);
      try {
        const results = await validateSnapshot(engine, config, target);
        const failed = results.filter((r) => !r.ok);
        if (flags.json) console.log(JSON.stringify({ version: target.commit.version, ok: failed.length === 0, checks: results }));
        else {
          const skipped = results.filter((r) => r.skipped);
          const passed = results.length - failed.length - skipped.length;
          console.log(`version ${target.commit.version}: ${passed}/${results.length} checks passed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
          for (const r of results) console.log(`  ${r.skipped ? 'skip' : r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
        }
        if (failed.length) process.exitCode = EXIT.checkFailed;
      } finally {
        await engine.close();
      }
    });
  return withExitCodes(command, { ok: 'every check passed', checkFailed: 'a check failed (the failures are listed)' });
}
