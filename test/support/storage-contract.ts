// What every implementation of the lake's storage seam (src/lake/storage/lake-storage.ts) must do,
// as tests run against each: the local file system (fast tier) and a real HDFS (test/hdfs/).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import fc from 'fast-check';
import { acquireWriterLock, LakeLockedError } from '../../src/lake/writer-lock.js';
import { StorageError, type LakeStorage } from '../../src/lake/storage/lake-storage.js';

export interface StorageUnderTest {
  storage: LakeStorage;
  /** A fresh, empty folder of that storage for one test (absolute path). */
  folder(): Promise<string>;
}

const text = async (storage: LakeStorage, file: string) => (await storage.read(file))?.text;
async function bytes(storage: LakeStorage, file: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of storage.readStream(file)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
const code = (error: unknown) => (error instanceof StorageError ? error.code : String(error));

/** File names the lake may meet (journal files are named by their producers), as far as HDFS allows names. */
export const AWKWARD_NAMES = ['a b.jsonl', 'ünï-cödé €.jsonl', '100%.jsonl', 'hash#tag.jsonl', 'q?x=1.jsonl', '[ab]*{c,d}.jsonl', "it's \"quoted\".jsonl", 'semi;colon&amp.jsonl', '+plus=eq.jsonl'];

export function storageContract(make: () => Promise<StorageUnderTest>): void {
  it('lists nothing for a folder that does not exist, and states nothing', async () => {
    const { storage, folder } = await make();
    const dir = `${await folder()}/none`;
    assert.deepEqual(await storage.list(dir), []);
    assert.deepEqual(await storage.listStatus(dir), []);
    assert.equal(await storage.stat(dir), undefined);
    assert.equal(await storage.read(`${dir}/f`), undefined);
  });

  it('refuses to list a file as a folder', async () => {
    const { storage, folder } = await make();
    const file = `${await folder()}/plain.json`;
    assert.equal(await storage.createIfAbsent(file, '{}'), true);
    await assert.rejects(storage.list(file), (e) => code(e) === 'ENOTDIR');
    await assert.rejects(storage.listStatus(file), (e) => code(e) === 'ENOTDIR');
  });

  it('put-if-absent creates once; the loser sees the winner\'s content whole; a taken name is never replaced', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    const file = `${dir}/00000001.json`;
    assert.equal(await storage.createIfAbsent(file, '{"v":1}\n'), true);
    assert.equal(await storage.createIfAbsent(file, '{"v":2}\n'), false);
    assert.equal(await text(storage, file), '{"v":1}\n');
    const status = await storage.stat(file);
    assert.deepEqual({ name: status?.name, type: status?.type, size: status?.size }, { name: '00000001.json', type: 'file', size: 8 });
    assert.equal((await storage.stat(dir))?.type, 'directory');
    assert.deepEqual(await storage.list(dir), ['00000001.json'], 'no temp file left beside it');
  });

  it('of racing creators exactly one wins, and readers never see a partial file', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    for (let round = 0; round < 3; round++) {
      const file = `${dir}/race-${round}`;
      const contents = Array.from({ length: 6 }, (_, i) => `${i}:${'x'.repeat(20_000 + i)}`);
      const seen: string[] = [];
      let done = false;
      const reader = (async () => {
        while (!done) {
          const t = await text(storage, file);
          if (t !== undefined) seen.push(t);
        }
      })();
      const wins = await Promise.all(contents.map((c) => storage.createIfAbsent(file, c)));
      done = true;
      await reader;
      assert.equal(wins.filter(Boolean).length, 1, `round ${round}: one winner`);
      const winner = contents[wins.indexOf(true)]!;
      assert.equal(await text(storage, file), winner);
      for (const t of seen) assert.equal(t, winner, 'a reader saw the winner\'s whole content, nothing else');
      assert.deepEqual((await storage.list(dir)).filter((n) => n.startsWith(`race-${round}`)), [`race-${round}`]);
    }
  });

  it('replace swaps the content whole; rename never replaces, for files and folders', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    await storage.replace(`${dir}/state.json`, 'one');
    await storage.replace(`${dir}/state.json`, 'two');
    assert.equal(await text(storage, `${dir}/state.json`), 'two');
    await storage.rename(`${dir}/state.json`, `${dir}/moved.json`);
    assert.deepEqual((await storage.list(dir)).sort(), ['moved.json']);
    await storage.createIfAbsent(`${dir}/other.json`, 'other');
    await assert.rejects(storage.rename(`${dir}/other.json`, `${dir}/moved.json`), (e) => code(e) === 'EEXIST');
    assert.equal(await text(storage, `${dir}/moved.json`), 'two');
    assert.equal(await text(storage, `${dir}/other.json`), 'other');
    await storage.ensureDir(`${dir}/staged/part`);
    await storage.createIfAbsent(`${dir}/staged/part/p-0.parquet`, 'data');
    await storage.ensureDir(`${dir}/versions`);
    await storage.rename(`${dir}/staged`, `${dir}/versions/00000002`);
    assert.equal(await text(storage, `${dir}/versions/00000002/part/p-0.parquet`), 'data');
    await storage.ensureDir(`${dir}/staged2`);
    await assert.rejects(storage.rename(`${dir}/staged2`, `${dir}/versions/00000002`), (e) => code(e) === 'EEXIST');
    assert.deepEqual(await storage.list(`${dir}/versions/00000002`), ['part'], 'nothing moved into the existing folder');
  });

  it('touch sets the modification time to the millisecond; a missing file is reported', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    await storage.createIfAbsent(`${dir}/lock`, 'held');
    const at = new Date(Date.now() - 3_600_000);
    assert.equal(await storage.touch(`${dir}/lock`, at), true);
    assert.equal(Math.round((await storage.read(`${dir}/lock`))!.mtimeMs), at.getTime());
    assert.equal(Math.round((await storage.stat(`${dir}/lock`))!.mtimeMs), at.getTime());
    assert.equal(await storage.touch(`${dir}/gone`, at), false);
  });

  it('removes files, empty folders and trees; removing what is gone is no error', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    await storage.ensureDir(`${dir}/tree/a/b`);
    await storage.createIfAbsent(`${dir}/tree/a/b/f`, 'f');
    await storage.createIfAbsent(`${dir}/file`, 'f');
    await storage.remove(`${dir}/file`);
    await storage.remove(`${dir}/file`);
    await assert.rejects(storage.remove(`${dir}/tree`), 'a folder with files is not removed by remove');
    await storage.ensureDir(`${dir}/empty`);
    await storage.remove(`${dir}/empty`);
    await storage.removeTree(`${dir}/tree`);
    await storage.removeTree(`${dir}/tree`);
    assert.deepEqual(await storage.list(dir), []);
  });

  it('streams bytes exactly, and checksums follow the content', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    const data = randomBytes(3 * (1 << 20) + 17);
    await storage.createIfAbsent(`${dir}/big.bin`, data);
    await storage.createIfAbsent(`${dir}/copy.bin`, data);
    const changed = Buffer.from(data);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
    await storage.createIfAbsent(`${dir}/changed.bin`, changed);
    assert.ok((await bytes(storage, `${dir}/big.bin`)).equals(data));
    const [a, b, c] = await Promise.all(['big.bin', 'copy.bin', 'changed.bin'].map((n) => storage.checksum(`${dir}/${n}`)));
    assert.match(a!, /^[a-z0-9-]+:[0-9a-f]+$/i);
    assert.equal(a, b);
    assert.notEqual(a, c);
    await assert.rejects(bytes(storage, `${dir}/missing.bin`), (e) => (e as { code?: string }).code === 'ENOENT');
    const invalid = Buffer.from([0xff, 0xfe, 0x41, 0xe2, 0x82]);
    await storage.createIfAbsent(`${dir}/invalid.txt`, invalid);
    assert.equal(await text(storage, `${dir}/invalid.txt`), invalid.toString('utf8'), 'text that is not UTF-8 reads as the decoder makes it');
  });

  it('carries awkward names through list, read and the engines\' location unchanged', async () => {
    const { storage, folder } = await make();
    const dir = await folder();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...AWKWARD_NAMES), fc.string({ minLength: 0, maxLength: 200 }), async (name, content) => {
        const file = `${dir}/${name}`;
        await storage.removeTree(file);
        assert.equal(await storage.createIfAbsent(file, content), true);
        assert.ok((await storage.list(dir)).includes(name), `listed: ${name}`);
        assert.equal(await text(storage, file), content);
        assert.ok(storage.engineLocation(file).endsWith(file), 'the engines read the same path');
      }),
      { numRuns: 25 },
    );
  });

  it('carries the writer lock: one holder, the next writer refused until release, a lapsed lease taken over', async () => {
    const { storage, folder } = await make();
    const lockPath = `${await folder()}/_lock`;
    const first = await acquireWriterLock(lockPath, { storage, leaseMs: 60_000 });
    await assert.rejects(acquireWriterLock(lockPath, { storage, leaseMs: 60_000 }), LakeLockedError);
    await first.release();
    const second = await acquireWriterLock(lockPath, { storage, leaseMs: 60_000 });
    // A holder that stopped renewing: its lease lapses (the file's time is what counts).
    await storage.touch(lockPath, new Date(Date.now() - 3_600_000));
    const third = await acquireWriterLock(lockPath, { storage, leaseMs: 60_000 });
    await assert.rejects(second.assertHeld(), 'the lapsed holder knows it lost the lock');
    await third.release();
    await second.release();
    assert.deepEqual(await storage.list(lockPath.replace(/\/_lock$/, '')), []);
  });
}
