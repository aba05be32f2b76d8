// Runs the built CLI as a user would: a child process on real files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(root, 'bin', 'subsnap.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function subsnap(args: string[], env: NodeJS.ProcessEnv = {}, cwd = root): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `subsnap run --json` and its report; fails the test on a non-zero exit. */
export async function runJson(lake: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Record<string, any>> {
  const result = await subsnap(['run', '--lake', lake, '--json', ...extra], env);
  if (result.code !== 0) throw new Error(`subsnap run failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, any>;
}

/** A command's output; fails the test (with the command and its error output) on a non-zero exit. */
export async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await subsnap(args, env);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** The records of NDJSON output (`--json` of show, log…). */
export const ndjson = <T = Record<string, any>>(text: string): T[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
