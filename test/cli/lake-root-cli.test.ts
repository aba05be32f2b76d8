// A lake folder that does not exist is an error (exit 2) for every command that reads or writes
// inside a lake, and nothing is created on the way; only `generate` creates a lake.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { subsnap } from '../support/cli.js';
import { freePort } from '../support/free-port.js';

const READING_COMMANDS: [string, string[]][] = [
  ['run', ['run']],
  ['validate', ['validate']],
  ['show', ['show']],
  ['log', ['log']],
  ['backfill', ['backfill', '--from', '2024-01-01']],
  ['rollback', ['rollback', '1']],
  ['migrate', ['migrate']],
  ['vacuum', ['vacuum', '--dry-run']],
  ['archive', ['archive', '--brokers', '127.0.0.1:9', '--topic', 'subscriptions', '--until-idle', '1']],
];

describe('a missing lake folder', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-lake-root-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  for (const [name, args] of READING_COMMANDS) {
    it(`subsnap ${name} --lake MISSING → 2, names the folder, creates nothing`, async () => {
      const parent = path.join(base, name);
      const missing = path.join(parent, 'typo', 'lake');
      await rm(parent, { recursive: true, force: true });
      await mkdir(parent);
      const result = await subsnap([...args, '--lake', missing], {}, parent);
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^subsnap: no lake at ${escape(missing)}: the folder does not exist; .*check --lake\\n$`));
      if (name === 'archive') assert.match(result.stderr, /create the folder to archive into a new lake/);
      else assert.match(result.stderr, /create it with `subsnap generate`/);
      assert.deepEqual(await readdir(parent), [], 'nothing was created');
    });
  }

  it('the default ./lake, missing, is refused the same way', async () => {
    const cwd = path.join(base, 'default');
    await mkdir(cwd);
    const result = await subsnap(['vacuum', '--dry-run'], {}, cwd);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`no lake at ${escape(path.join(cwd, 'lake'))}: the folder does not exist`));
    assert.deepEqual(await readdir(cwd), []);
  });

  it('a lake named by the config file points to that file', async () => {
    const cwd = path.join(base, 'configured');
    await mkdir(cwd);
    await writeFile(path.join(cwd, 'subsnap.config.json'), JSON.stringify({ lake: 'nowhere' }));
    const result = await subsnap(['log'], {}, cwd);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no lake at .*nowhere: the folder does not exist; .*\(or "lake" in .*subsnap\.config\.json\)/);
    assert.deepEqual(await readdir(cwd), ['subsnap.config.json']);
  });

  it('a file where the lake should be is refused', async () => {
    const file = path.join(base, 'a-file');
    await writeFile(file, 'not a lake');
    const result = await subsnap(['log', '--lake', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no lake at .*a-file: it is a file, not a folder/);
  });

  it('an existing lake without a version is not an error of the folder', async () => {
    const lake = path.join(base, 'empty-lake');
    await mkdir(lake);
    const result = await subsnap(['log', '--lake', lake]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no committed snapshot/);
  });

  it('a lake URI: file:// is a local folder; an unreachable hdfs:// lake and other schemes are refused with exit 2; nothing is created', async () => {
    const lake = path.join(base, 'uri lake');
    assert.equal((await subsnap(['generate', '--lake', pathToFileURL(lake).href, '--days', '1', '--records', '5'])).code, 0);
    assert.equal((await subsnap(['run', '--lake', pathToFileURL(lake).href])).code, 0);
    assert.equal((await subsnap(['log', '--lake', lake])).code, 0, 'the same lake by its path');
    // Nothing answers WebHDFS on a port just found free.
    const env = { SUBSNAP_WEBHDFS: `http://127.0.0.1:${await freePort()}` };
    for (const [uri, message] of [['hdfs://127.0.0.1:9/lake', /WebHDFS at http:\/\/127\.0\.0\.1:\d+ did not answer/], ['s3://bucket/lake', /a lake is a local folder \(a path or a file:\/\/ URI\) or hdfs:\/\/HOST:PORT\/path/]] as const) {
      for (const args of [['generate'], ...READING_COMMANDS.map(([, a]) => a)]) {
        const result = await subsnap([...args, '--lake', uri], env, base);
        assert.equal(result.code, 2, `${args[0]} ${uri}`);
        assert.match(result.stderr, message);
      }
    }
    assert.deepEqual((await readdir(base)).filter((n) => /^(hdfs|s3)/.test(n)), [], 'no folder named after the URI');
    const embedded = await subsnap(['run', '--engine', 'duckdb', '--lake', 'hdfs://127.0.0.1:9/lake'], env, base);
    assert.equal(embedded.code, 2);
    assert.match(embedded.stderr, /the embedded engine \(duckdb\) reads a local lake only; an HDFS lake is read and written by the spark engine/);
  });

  it('generate creates the lake folder it is given', async () => {
    const lake = path.join(base, 'new', 'lake');
    const result = await subsnap(['generate', '--lake', lake, '--days', '1', '--records', '5']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await stat(path.join(lake, 'journal'))).isDirectory());
    assert.equal((await subsnap(['run', '--lake', lake])).code, 0);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
