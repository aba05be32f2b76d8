/**
 * The CLI's wiring: one module per command under commands/, the exit codes (exit-codes.ts) and the
 * usage-error behaviour (usage.ts). Exit codes: 0 success, 1 a failed check, 2 every error.
 */
import { Command, CommanderError } from 'commander';
import { archiveCommand } from './commands/archive.js';
import { backfillCommand } from './commands/backfill.js';
import { generateCommand } from './commands/generate.js';
import { logCommand } from './commands/log.js';
import { reportCommand } from './commands/report.js';
import { migrateCommand } from './commands/migrate.js';
import { rollbackCommand } from './commands/rollback.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { hdfsCommand } from './commands/hdfs.js';
import { sparkCommand } from './commands/spark.js';
import { vacuumCommand } from './commands/vacuum.js';
import { validateCommand } from './commands/validate.js';
import { EXIT } from './exit-codes.js';
import { packageVersion } from './package-version.js';
import { applyUsageSettings } from './usage.js';

export function buildProgram(): Command {
  const program = new Command('subsnap')
    .description('Fold a daily journal of subscription records into an enriched, versioned Parquet snapshot')
    .version(packageVersion(), '-V, --version', 'print the version of subsnap')
    // Program options only before the command: `show --version 3` is show's option, not this one.
    .enablePositionalOptions()
    .addHelpText('after', `\nExit codes: ${EXIT.ok} success, ${EXIT.checkFailed} a failed check (validate; spark status: not running), ${EXIT.error} an error (usage errors included).`);
  for (const command of [
    generateCommand(), archiveCommand(), runCommand(), validateCommand(), showCommand(), backfillCommand(),
    rollbackCommand(), migrateCommand(), vacuumCommand(), logCommand(), reportCommand(), sparkCommand(), hdfsCommand(),
  ]) {
    program.addCommand(command);
  }
  applyUsageSettings(program);
  return program;
}

/** Errors outside any command's flow still end with a message and exit code 2, never Node's 1. */
function guardProcess(): void {
  // A reader that stops early (`subsnap log | head`) is not an error of subsnap.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    fail(error);
  });
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', (reason) => fail(reason instanceof Error ? reason : new Error(String(reason))));
}

function fail(error: Error): never {
  process.stderr.write(`subsnap: ${error.message}\n`);
  process.exit(EXIT.error);
}

export async function main(argv: string[]): Promise<void> {
  guardProcess();
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // commander has already printed its usage errors, help and version; only the code is left.
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.stderr.write(`subsnap: ${(error as Error).message}\n`);
    process.exitCode = EXIT.error;
  }
}
