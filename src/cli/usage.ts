/**
 * Usage errors: commander's own (unknown option or command, bad value, missing or conflicting
 * options) and the ones actions raise. Each prints one line `subsnap: ...` (with commander's
 * "did you mean" on that line) and a pointer to the command's help, never the whole help, and
 * ends the process with exit code 2 (see main.ts).
 */
import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';

/** The full name of a command, e.g. `subsnap spark start`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** commander's error text as one line: `subsnap: unknown option '--untill' (did you mean --until?)`. */
export function formatUsageError(text: string): string {
  const line = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)')
    .replace(/\s*\n\s*/g, ' ');
  return `subsnap: ${line}\n`;
}

/** Applies the usage-error behaviour to a command and all its subcommands. */
export function applyUsageSettings(command: Command): void {
  command
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(formatUsageError(text)) })
    .showHelpAfterError(`see \`${commandPath(command)} --help\``)
    .showSuggestionAfterError(true);
  for (const sub of command.commands) applyUsageSettings(sub);
}

/** Refuses a combination of flags from inside an action, exactly like commander's own usage errors. */
export function usageError(command: Command, message: string): never {
  command.error(message, { exitCode: EXIT.error, code: 'subsnap.usage' });
}
