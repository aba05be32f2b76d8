// `npm run demo` (scripts/demo.mjs) uses a lake of its own, marked by a marker file, and never
// deletes or writes into a folder that does not carry its marker.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI } from '../support/cli.js';

const DEMO = path.join(path.dirname(CLI), '..', 'scripts', 'demo.mjs');

function demo(lake: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { env: { ...process.env, SUBSNAP_DEMO_LAKE: lake }, cwd: path.dirname(lake) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the demo', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'subsnap-demo-'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('refuses an existing folder without its marker, touching nothing', async () => {
    const lake = path.join(base, 'someone-elses');
    await mkdir(path.join(lake, 'snapshot'), { recursive: true });
    await writeFile(path.join(lake, 'precious.txt'), 'keep me');
    const result = await demo(lake);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /was not created by the demo \(it has no \.subsnap-demo marker file\)/);
    assert.match(result.stderr, /SUBSNAP_DEMO_LAKE/);
    assert.deepEqual((await readdir(lake)).sort(), ['precious.txt', 'snapshot']);
    assert.equal(await readFile(path.join(lake, 'precious.txt'), 'utf8'), 'keep me');
  });

  it('refuses a file or a symbolic link in its place', async () => {
    const file = path.join(base, 'a-file');
    await writeFile(file, 'data');
    const onFile = await demo(file);
    assert.notEqual(onFile.code, 0);
    assert.match(onFile.stderr, /exists and is not a folder/);
    assert.equal(await readFile(file, 'utf8'), 'data');
    const marked = path.join(base, 'marked-elsewhere');
    await mkdir(marked);
    await writeFile(path.join(marked, '.subsnap-demo'), '');
    await writeFile(path.join(marked, 'other.txt'), 'x');
    const link = path.join(base, 'link');
    await symlink(marked, link);
    const onLink = await demo(link);
    assert.notEqual(onLink.code, 0);
    assert.match(onLink.stderr, /symbolic link/);
    assert.deepEqual((await readdir(marked)).sort(), ['.subsnap-demo', 'other.txt']);
  });

  it('creates and marks its lake, folds three days, and starts afresh in its own folder on a rerun', async () => {
    const lake = path.join(base, 'demo-lake');
    const first = await demo(lake);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /checks passed/);
    assert.match(first.stdout, /The demo's lake is /);
    assert.ok((await readdir(lake)).includes('.subsnap-demo'));
    assert.deepEqual(await readdir(path.join(lake, 'snapshot', 'versions')), ['00000001', '00000002', '00000003']);
    await writeFile(path.join(lake, 'left-over'), '');
    const second = await demo(lake);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /removing the previous demo lake/);
    assert.ok(!(await readdir(lake)).includes('left-over'), 'the marked folder was recreated');
    assert.deepEqual(await readdir(path.join(lake, 'snapshot', 'versions')), ['00000001', '00000002', '00000003']);
  });
});
