/**
 * The project's set-up scripts (scripts/setup-*.sh): each installs one runtime idempotently and
 * prints the folder it installed last (some print more than one, one a line); these run one and
 * return that folder (or the lines it printed), or throw `fail`'s error with the script's own words.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const failed = (script: string) => (detail: string) => new Error(`scripts/${script} failed: ${detail}`);

export async function setupScriptLines(script: string, fail: (detail: string) => Error = failed(script)): Promise<string[]> {
  try {
    const { stdout } = await run('bash', [path.join(PROJECT_ROOT, 'scripts', script)], { maxBuffer: 1 << 20 });
    return stdout.trim().split('\n');
  } catch (error) {
    throw fail((error as { stderr?: string }).stderr || (error as Error).message);
  }
}

export async function runSetupScript(script: string, fail: (detail: string) => Error = failed(script)): Promise<string> {
  return (await setupScriptLines(script, fail)).at(-1)!;
}
