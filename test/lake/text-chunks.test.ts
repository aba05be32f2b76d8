import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { splitIntoChunks } from '../../src/lake/text-chunks.js';

const arbText = fc
  .array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '\r', 'é€😀', 'x'.repeat(100))), { maxLength: 40 })
  .chain((lines) => fc.constantFrom('\n', '\r\n').chain((eol) => fc.boolean().map((endsWithEol) => lines.join(eol) + (endsWithEol ? eol : ''))));

describe('splitIntoChunks', () => {
  it('chunks end at line ends, put together give the file, and start at the right line numbers', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-chunks-'));
    try {
      await fc.assert(
        fc.asyncProperty(arbText, fc.integer({ min: 1, max: 80 }), async (text, chunkBytes) => {
          const file = path.join(dir, 'in.txt');
          await fs.writeFile(file, text);
          const out = await fs.mkdtemp(path.join(dir, 'out-'));
          const chunks = await splitIntoChunks(file, out, 'f', chunkBytes);
          const contents = await Promise.all(chunks.map((c) => fs.readFile(c.path)));
          assert.deepEqual(Buffer.concat(contents), Buffer.from(text));
          let line = 1;
          for (const [i, content] of contents.entries()) {
            assert.equal(chunks[i]!.firstLine, line);
            if (i < contents.length - 1) assert.equal(content.at(-1), 0x0a, 'a chunk ends at a line end');
            assert.ok(content.toString('utf8') === new TextDecoder('utf-8', { fatal: true }).decode(content), 'no character is cut');
            line += content.toString('utf8').split('\n').length - 1;
          }
          if (Buffer.byteLength(text) <= chunkBytes) assert.deepEqual(chunks, [{ path: file, firstLine: 1 }]);
          await fs.rm(out, { recursive: true });
        }),
        { numRuns: 300 },
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
