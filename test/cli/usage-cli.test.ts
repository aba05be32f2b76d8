// The CLI contract: exit codes (0 success, 1 a failed check, 2 every error), usage errors as one
// line plus a pointer to the command's help, "did you mean", conflicting flags, --version, and
// the exit codes in every command's --help.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, subsnap } from '../support/cli.js';

const KAFKA = ['--brokers', '127.0.0.1:9', '--topic', 't'];

// [arguments, what the one error line says, the command whose help is pointed to]
const USAGE_ERRORS: [string[], RegExp, string][] = [
  // unknown flags and commands, with a suggestion
  [['run', '--untill', '2024-01-01'], /unknown option '--untill' \(did you mean --until\?\)/, 'subsnap run'],
  [['validate', '--versoin', '1'], /unknown option '--versoin' \(did you mean --version\?\)/, 'subsnap validate'],
  [['rnu'], /unknown command 'rnu' \(did you mean run\?\)/, 'subsnap'],
  [['spark', 'stauts'], /unknown command 'stauts' \(did you mean status\?\)/, 'subsnap spark'],
  [['run', 'extra'], /too many arguments for 'run'/, 'subsnap run'],
  // bad choices and values
  [['run', '--engine', 'sparkk'], /'sparkk' is invalid\. Allowed choices are duckdb, spark/, 'subsnap run'],
  [['show', '--limit', 'abc'], /got abc, expected an integer >= 0/, 'subsnap show'],
  [['show', '--limit', '1e3'], /got 1e3, expected an integer >= 0/, 'subsnap show'],
  [['rollback', 'abc'], /got abc, expected an integer >= 1/, 'subsnap rollback'],
  [['show', '--id', '1 OR 1=1'], /got 1 OR 1=1, expected an integer/, 'subsnap show'],
  [['show', '--id', '9223372036854775808'], /expected a 64-bit integer/, 'subsnap show'],
  [['show', '--as-of', 'yesterday'], /got yesterday, expected a date YYYY-MM-DD or an ISO timestamp/, 'subsnap show'],
  [['run', '--until', '2024-02-30'], /got 2024-02-30, expected a date YYYY-MM-DD/, 'subsnap run'],
  [['run', '--max-rejected-share', '1.5'], /got 1\.5, expected a number between 0 and 1/, 'subsnap run'],
  [['backfill', '--from', '2024-01-01', '--max-rejected-share', 'lots'], /got lots, expected a number between 0 and 1/, 'subsnap backfill'],
  [['archive', ...KAFKA, '--until-idle', 'soon'], /got soon, expected a number of seconds > 0/, 'subsnap archive'],
  [['spark', 'status', '--port', '0'], /got 0, expected an integer >= 1/, 'subsnap spark status'],
  // missing required options
  [['backfill'], /required option '--from <date>' not specified/, 'subsnap backfill'],
  [['archive', '--topic', 't'], /required option '--brokers <list>' not specified/, 'subsnap archive'],
  // flags that exclude each other
  [['validate', '--version', '1', '--as-of', '2024-01-01'], /'--version <n>' cannot be used with option '--as-of <date>'/, 'subsnap validate'],
  [['show', '--as-of', '2024-01-01', '--version', '2'], /'--version <n>' cannot be used with option '--as-of <date>'/, 'subsnap show'],
  [['archive', ...KAFKA, '--follow', '--until-idle', '5'], /'--until-idle <seconds>' cannot be used with option '--follow'/, 'subsnap archive'],
  [['archive', ...KAFKA, '--until-idle', '5', '--flush-interval', '3'], /'--flush-interval <seconds>' cannot be used with option '--until-idle <seconds>'/, 'subsnap archive'],
  [['generate', '--day', '2024-01-01', '--days', '2'], /'--days <n>' cannot be used with option '--day <date>'/, 'subsnap generate'],
  [['generate', '--day', '2024-01-01', '--start', '2024-01-02'], /'--start <date>' cannot be used with option '--day <date>'/, 'subsnap generate'],
  [['generate', '--brokers', '127.0.0.1:9'], /--brokers only apply with --to-kafka/, 'subsnap generate'],
  [['generate', '--to-kafka'], /--to-kafka needs --brokers/, 'subsnap generate'],
];

describe('usage errors', () => {
  let cwd: string;
  before(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'subsnap-usage-'));
  });
  after(() => rm(cwd, { recursive: true, force: true }));

  for (const [args, message, command] of USAGE_ERRORS) {
    it(`subsnap ${args.join(' ')} → 2, one error line and a pointer to ${command} --help`, async () => {
      const result = await subsnap(args, {}, cwd);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 2, result.stderr);
      assert.match(lines[0]!, /^subsnap: /);
      assert.match(lines[0]!, message);
      assert.equal(lines[1], `see \`${command} --help\``);
      assert.doesNotMatch(result.stderr, /Usage:|Options:/, 'no help dump');
      assert.deepEqual(await readdir(cwd), [], 'a usage error touches no file');
    });
  }

  it('a command group without its command prints its help on stderr and exits 2', async () => {
    for (const args of [[], ['spark']]) {
      const result = await subsnap(args, {}, cwd);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /Usage: subsnap/);
    }
  });
});

describe('--version and --help', () => {
  it('subsnap --version (and -V) prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(await readFile(path.join(path.dirname(CLI), '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await subsnap([flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it("--version after show or validate is that command's option, not the program's", async () => {
    const missing = path.join(os.tmpdir(), `subsnap-no-such-lake-${process.pid}`);
    const result = await subsnap(['show', '--version', '1', '--lake', missing]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no lake at/);
  });

  const COMMANDS: [string[], string | undefined][] = [
    [['generate'], undefined], [['archive'], undefined], [['run'], undefined], [['validate'], 'a check failed'],
    [['show'], undefined], [['backfill'], undefined], [['rollback'], undefined], [['migrate'], undefined],
    [['vacuum'], undefined], [['log'], undefined], [['spark', 'start'], undefined], [['spark', 'stop'], undefined],
    [['spark', 'status'], 'not running'],
  ];
  for (const [command, checkFailed] of COMMANDS) {
    it(`subsnap ${command.join(' ')} --help lists its exit codes`, async () => {
      const result = await subsnap([...command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      const codes = result.stdout.slice(result.stdout.indexOf('Exit codes:'));
      assert.match(codes, /^Exit codes:\n {2}0 {2}\S/);
      assert.match(codes, /\n {2}2 {2}an error, usage errors included/);
      if (checkFailed) assert.match(codes, new RegExp(`\\n {2}1 {2}${checkFailed}`));
      else assert.doesNotMatch(codes, /\n {2}1 /);
    });
  }
});
