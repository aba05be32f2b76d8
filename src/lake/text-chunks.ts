import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A chunk of a line-delimited text file, cut at a line end, and the file's line number it starts at. */
export interface TextChunk {
  path: string;
  firstLine: number;
}

/** Chunks of this size keep an engine's memory per reading thread small and let threads share a file. */
export const CHUNK_BYTES = 32 * 1024 * 1024;

const NEWLINE = 0x0a;

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/**
 * Cuts a line-delimited text file into chunks of about `chunkBytes` (a longer line makes a longer
 * chunk), each ending at a line end, written as `<prefix>-<n>.txt` under `dir`. A file no larger
 * than one chunk is its own single chunk. Line numbers stay those of the whole file.
 */
export async function splitIntoChunks(textPath: string, dir: string, prefix: string, chunkBytes = CHUNK_BYTES): Promise<TextChunk[]> {
  const { size } = await fs.stat(textPath);
  if (size <= chunkBytes) return [{ path: textPath, firstLine: 1 }];
  await fs.mkdir(dir, { recursive: true });
  const chunks: TextChunk[] = [];
  const input = await fs.open(textPath, 'r');
  try {
    // One buffer: each read fills it after the held start of a cut line, which then moves to the front
    // (a line longer than the buffer doubles it). No copy of a chunk but the write.
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let held = 0;
    let firstLine = 1;
    for (;;) {
      if (held === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, held);
        buffer = bigger;
      }
      const { bytesRead } = await input.read(buffer, held, buffer.length - held, null);
      const end = held + bytesRead;
      // Cut after the last line end; at the end of the file, after the last byte.
      const cut = bytesRead === 0 ? end : buffer.lastIndexOf(NEWLINE, end - 1) + 1;
      if (cut > 0) {
        const piece = buffer.subarray(0, cut);
        const piecePath = path.join(dir, `${prefix}-${String(chunks.length).padStart(5, '0')}.txt`);
        await fs.writeFile(piecePath, piece);
        chunks.push({ path: piecePath, firstLine });
        firstLine += countNewlines(piece);
        buffer.copy(buffer, 0, cut, end);
      }
      held = end - cut;
      if (bytesRead === 0) break;
    }
  } finally {
    await input.close();
  }
  return chunks;
}
