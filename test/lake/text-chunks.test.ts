import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkSink, splitIntoChunks, type TextChunk } from '../../src/lake/text-chunks.js';

const arbText = fc
  .array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '\r', 'é€😀', 'x'.repeat(100))), { maxLength: 40 })
  .chain((lines) => fc.constantFrom('\n', '\r\n').chain((eol) => fc.boolean().map((endsWithEol) => lines.join(eol) + (endsWithEol ? eol : ''))));

/** Chunks end at line ends, put together give the text, and start at the right line numbers. */
async function assertChunksOf(text: string, chunks: TextChunk[]): Promise<void> {
  const contents = await Promise.all(chunks.map((c) => fs.readFile(c.path)));
  assert.deepEqual(Buffer.concat(contents), Buffer.from(text));
  let line = 1;
  for (const [i, content] of contents.entries()) {
    assert.equal(chunks[i]!.firstLine, line);
    if (i < contents.length - 1) assert.equal(content.at(-1), 0x0a, 'a chunk ends at a line end');
    assert.ok(content.toString('utf8') === new TextDecoder('utf-8', { fatal: true }).decode(content), 'no character is cut');
    line += content.toString('utf8').split('\n').length - 1;
  }
}

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'subsnap-chunks-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe('splitIntoChunks', () => {
  it('chunks of a file: line ends, the whole text, line numbers; a small file is its own chunk', async () => {
    await fc.assert(
      fc.asyncProperty(arbText, fc.integer({ min: 1, max: 80 }), async (text, chunkBytes) => {
        const file = path.join(dir, 'in.txt');
        await fs.writeFile(file, text);
        const out = await fs.mkdtemp(path.join(dir, 'out-'));
        const chunks = await splitIntoChunks(file, out, 'f', chunkBytes);
        await assertChunksOf(text, chunks);
        if (Buffer.byteLength(text) <= chunkBytes) assert.deepEqual(chunks, [{ path: file, firstLine: 1 }]);
        await fs.rm(out, { recursive: true });
      }),
      { numRuns: 300 },
    );
  });
});

describe('ChunkSink', () => {
  it('text written in pieces of any size, cut anywhere (mid-character too): chunks of about the size asked', async () => {
    await fc.assert(
      fc.asyncProperty(arbText, fc.integer({ min: 1, max: 80 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }), async (text, chunkBytes, sizes) => {
        const bytes = Buffer.from(text);
        const pieces: Buffer[] = [];
        for (let at = 0, k = 0; at < bytes.length; at += sizes[k++ % sizes.length]!) pieces.push(bytes.subarray(at, at + sizes[k % sizes.length]!));
        const out = await fs.mkdtemp(path.join(dir, 'sink-'));
        const sink = new ChunkSink(path.join(out, 'deeper'), 'f', chunkBytes);
        await pipeline(Readable.from(pieces), sink);
        await assertChunksOf(text, sink.chunks);
        // Cut at the last line end held once the size is reached: no chunk is longer than the size
        // (or its longest line) and one more piece, and none but the last is shorter than the size
        // less the start of a line.
        const longestLine = Math.max(...text.split('\n').map((l) => Buffer.byteLength(l) + 1));
        for (const [i, chunk] of sink.chunks.entries()) {
          const { size } = await fs.stat(chunk.path);
          assert.ok(size <= Math.max(chunkBytes, longestLine) + Math.max(...sizes), `a chunk of ${size} bytes`);
          if (i < sink.chunks.length - 1) assert.ok(size > chunkBytes - longestLine, `a chunk of ${size} bytes, cut early`);
        }
        assert.ok(sink.chunks.length >= 1, 'an empty text is one empty chunk');
        await fs.rm(out, { recursive: true });
      }),
      { numRuns: 300 },
    );
  });
});
