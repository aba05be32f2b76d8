/**
 * The project's set-up scripts (scripts/setup-*.sh): each installs one runtime idempotently and
 * prints the folder it installed last; this runs one and returns that folder, or throws `fail`'s
 * error with the script's own words.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function runSetupScript(script: string, fail: (detail: string) => Error): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(PROJECT_ROOT, 'scripts', script)], { maxBuffer: 1 << 20 });
    return stdout.trim().split('\n').at(-1)!;
  } catch (error) {
    throw fail((error as { stderr?: string }).stderr || (error as Error).message);
  }
}
