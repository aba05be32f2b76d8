import type { Command } from 'commander';

/** The CLI's exit codes, the same for every command. */
export const EXIT = {
  ok: 0,
  /** A check ran and failed (validate found problems; `spark status`: not running). */
  checkFailed: 1,
  /** Any error, usage errors included; the message is on stderr. */
  error: 2,
} as const;

const ERROR_LINE = 'an error, usage errors included (message on stderr)';

/** Lists a command's exit codes at the end of its --help. */
export function withExitCodes<C extends Command>(command: C, codes: { ok: string; checkFailed?: string }): C {
  const lines = [
    `  ${EXIT.ok}  ${codes.ok}`,
    ...(codes.checkFailed ? [`  ${EXIT.checkFailed}  ${codes.checkFailed}`] : []),
    `  ${EXIT.error}  ${ERROR_LINE}`,
  ];
  command.addHelpText('after', `\nExit codes:\n${lines.join('\n')}`);
  return command;
}
