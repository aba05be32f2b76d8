import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { JournalReadError } from '../../src/lake/journal-files.js';
import { prepareJournalFile } from '../../src/lake/journal-text.js';
import { StagingWriteError } from '../../src/lake/text-chunks.js';

async function inspect(dir: string, bytes: Buffer) {
  const absPath = path.join(dir, 'date=2024-01-01', 'a.jsonl');
  await fs.mkdir(path.dirname(absPath), { recursive: true });
  await fs.writeFile(absPath, bytes);
  const file = { path: 'date=2024-01-01/a.jsonl', absPath, date: '2024-01-01', size: bytes.length, mtimeMs: 0, kind: 'lines' as const, gzipped: false };
  return prepareJournalFile(file, dir, { chunks: { dir: path.join(dir, 'chunks'), prefix: '0', bytes: 1 << 20 } });
}

describe('prepareJournalFile UTF-8 check', () => {
  it('accepts valid text whatever the read chunks cut, and rejects one bad byte anywhere', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-inspect-'));
    try {
      // Lines of multi-byte characters past several 64 KiB stream chunks.
      const text = Array.from({ length: 12_000 }, (_, i) => `{"Id":${i},"n":"Zoë € 😀 ${'ü'.repeat(i % 7)}"}`).join('\n');
      const valid = Buffer.from(text);
      assert.ok(valid.length > 4 * 65536);
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: valid.length - 1 }), fc.constantFrom(0xff, 0xc3, 0x80, 0xf0), async (at, bad) => {
          const ok = await inspect(dir, valid);
          assert.equal(ok.format, 'lines');
          const broken = Buffer.from(valid);
          broken[at] = bad;
          // Replacing a byte may happen to leave valid UTF-8 (0x80 for a continuation byte).
          const stillValid = Buffer.from(broken.toString('utf8')).equals(broken);
          if (stillValid) return;
          await assert.rejects(inspect(dir, broken), (e: unknown) => e instanceof JournalReadError && /not valid UTF-8/.test(e.message));
        }),
        { numRuns: 25 },
      );
      await assert.rejects(inspect(dir, Buffer.concat([valid, Buffer.from([0xe2, 0x82])])), /a character is cut at the end/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('prepareJournalFile chunk files', () => {
  // Larger than the reads (1 MiB) and than gunzip's output pieces: cut several times.
  const text = Array.from({ length: 250_000 }, (_, i) => `{"Id":${i}}\n`).join('');

  async function prepareIn(dir: string, name: string, bytes: Buffer, chunkBytes: number) {
    const absPath = path.join(dir, 'journal', name);
    await fs.mkdir(path.dirname(absPath), { recursive: true });
    await fs.writeFile(absPath, bytes);
    const file = { path: name, absPath, date: '2024-01-01', size: bytes.length, mtimeMs: 0, kind: 'lines' as const, gzipped: name.endsWith('.gz') };
    return prepareJournalFile(file, path.join(dir, 'staging'), { chunks: { dir: path.join(dir, 'chunks'), prefix: '7', bytes: chunkBytes } });
  }

  it('gives every file its chunks: a small file itself, a gzip file or a normalized copy cut', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-chunks-'));
    try {
      const small = await prepareIn(dir, 'small.jsonl', Buffer.from(text), text.length);
      assert.deepEqual(small.chunks, [{ path: small.absPath, firstLine: 1 }]);
      // A gzip file of two members whose first holds one byte of the mark and ends where the first
      // 64 KiB read does (a long file name in its header): gunzip gives that byte apart.
      const first = gzipSync(Buffer.from([0xef]));
      const name = `${'x'.repeat(65536 - 1 - first.length)}\0`;
      const named = Buffer.concat([first.subarray(0, 3), Buffer.from([first[3]! | 8]), first.subarray(4, 10), Buffer.from(name), first.subarray(10)]);
      const bomSplit = Buffer.concat([named, gzipSync(Buffer.from(`\ufeff${text}`).subarray(1))]);
      const files = [['a.jsonl.gz', gzipSync(text)], ['b.jsonl', Buffer.from(`\ufeff${text}`)], ['c.jsonl', Buffer.from(text.replaceAll('\n', '\r'))], ['d.jsonl.gz', bomSplit]] as const;
      for (const [name, bytes] of files) {
        const prepared = await prepareIn(dir, name, Buffer.from(bytes), 1000);
        assert.ok(prepared.chunks!.length > 1, name);
        const pieces = await Promise.all(prepared.chunks!.map((c) => fs.readFile(c.path, 'utf8')));
        assert.equal(pieces.join(''), text, name);
        let line = 1;
        for (const [i, c] of prepared.chunks!.entries()) {
          assert.equal(c.firstLine, line, name);
          line += pieces[i]!.split('\n').length - 1;
        }
        // A copy cut into chunks is gone: staging holds the text once.
        assert.deepEqual(await fs.readdir(path.join(dir, 'staging', 'journal')).catch(() => []), [], name);
        await fs.rm(path.join(dir, 'chunks'), { recursive: true });
      }
      // A copy no larger than a chunk is its own chunk and stays.
      const whole = await prepareIn(dir, 'e.jsonl', Buffer.from(`\ufeff${text}`), text.length);
      assert.deepEqual(whole.chunks, [{ path: path.join(dir, 'staging', 'journal', 'e.jsonl.lines'), firstLine: 1 }]);
      assert.equal(await fs.readFile(whole.chunks![0]!.path, 'utf8'), text);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a chunk that cannot be written as a staging error, not as the journal file unreadable', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-chunks-'));
    try {
      // The second chunk's name is taken by a folder: its write fails as a full disk's would.
      await fs.mkdir(path.join(dir, 'chunks', '7-00001.txt'), { recursive: true });
      const failed = prepareIn(dir, 'a.jsonl.gz', gzipSync(text), 1000);
      await assert.rejects(failed, (e: unknown) => e instanceof StagingWriteError && /7-00001\.txt/.test(e.message));
      // The chunks' folder is a file: the sink cannot start.
      await fs.rm(path.join(dir, 'chunks'), { recursive: true });
      await fs.writeFile(path.join(dir, 'chunks'), '');
      await assert.rejects(prepareIn(dir, 'b.jsonl.gz', gzipSync(text), 1000), (e: unknown) => e instanceof StagingWriteError);
      // A copy (the text starts with a byte order mark) whose file cannot be written.
      await fs.rm(path.join(dir, 'chunks'), { force: true });
      await fs.mkdir(path.join(dir, 'staging', 'journal', 'c.jsonl.lines'), { recursive: true });
      await assert.rejects(prepareIn(dir, 'c.jsonl', Buffer.from(`\ufeff${text}`), 1000), (e: unknown) => e instanceof StagingWriteError && /c\.jsonl\.lines/.test(e.message));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
