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
    let pending = Buffer.alloc(0);
    let firstLine = 1;
    const emit = async (piece: Buffer) => {
      const piecePath = path.join(dir, `${prefix}-${String(chunks.length).padStart(5, '0')}.txt`);
      await fs.writeFile(piecePath, piece);
      chunks.push({ path: piecePath, firstLine });
      firstLine += countNewlines(piece);
    };
    for (;;) {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await input.read(buffer, 0, chunkBytes, null);
      const data = pending.length ? Buffer.concat([pending, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      if (bytesRead === 0) {
        if (data.length) await emit(data);
        break;
      }
      // Cut after the last line end; a line longer than a chunk waits for its end.
      const cut = data.lastIndexOf(NEWLINE) + 1;
      if (cut > 0) await emit(data.subarray(0, cut));
      pending = data.subarray(cut);
    }
  } finally {
    await input.close();
  }
  return chunks;
}
