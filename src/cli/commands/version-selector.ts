import { Option, type Command } from 'commander';
import { dateOrTimestamp, int } from '../parsers.js';

/** `--version N | --as-of DATE`: one committed version; the two exclude each other. */
export function withVersionSelector<C extends Command>(command: C, versionHelp: string): C {
  return command
    .addOption(new Option('--version <n>', `${versionHelp}; not with --as-of`).argParser(int(1)).conflicts('asOf'))
    .addOption(new Option('--as-of <date>', 'the version current at this date (end of day, UTC) or ISO timestamp').argParser(dateOrTimestamp));
}
