import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JournalReadError } from '../../src/lake/journal-files.js';
import { prepareJournalFile } from '../../src/lake/journal-text.js';

async function inspect(dir: string, bytes: Buffer) {
  const absPath = path.join(dir, 'date=2024-01-01', 'a.jsonl');
  await fs.mkdir(path.dirname(absPath), { recursive: true });
  await fs.writeFile(absPath, bytes);
  return prepareJournalFile({ path: 'date=2024-01-01/a.jsonl', absPath, date: '2024-01-01', size: bytes.length, mtimeMs: 0, kind: 'lines', gzipped: false }, dir);
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
