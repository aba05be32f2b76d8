import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A chunk of a line-delimited text file, cut at a line end, and the file's line number it starts at. */
export interface TextChunk {
  path: string;
  firstLine: number;
}

/** A chunk file could not be written (the staging folder's disk is full, …): not its text's fault. */
export class StagingWriteError extends Error {
  constructor(file: string, cause: unknown) {
    super(`cannot write ${file} in the run's staging folder (nothing was committed): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Chunks of this size keep an engine's memory per reading thread small and let threads share a file. */
export const CHUNK_BYTES = 32 * 1024 * 1024;

/** Reads of 1 MiB: a pass over a large file waits on fewer reads. */
const READ_BYTES = 1 << 20;
const NEWLINE = 0x0a;

function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

/**
 * A stream that cuts the text written to it into chunk files of about `chunkBytes` (a longer line
 * makes a longer chunk), each ending at a line end but the last, written as `<prefix>-<n>.txt` under
 * `dir` as the text goes by; `chunks` lists them, with the line numbers of the whole text.
 */
export class ChunkSink extends Writable {
  readonly chunks: TextChunk[] = [];
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The held buffer holding the last line end held, and the line end's offset in it. */
  #lastEnd: { buffer: number; at: number } | undefined;
  #firstLine = 1;
  /** The chunk being written: the text keeps flowing meanwhile (one chunk in flight at most). */
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly prefix: string, private readonly chunkBytes = CHUNK_BYTES) {
    super();
  }

  override _construct(done: (error?: Error | null) => void): void {
    fs.mkdir(this.dir, { recursive: true }).then(() => done(), (error: unknown) => done(new StagingWriteError(this.dir, error)));
  }

  override _write(data: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const at = data.lastIndexOf(NEWLINE);
    if (at !== -1) this.#lastEnd = { buffer: this.#held.length, at };
    this.#held.push(data);
    this.#heldBytes += data.length;
    if (this.#heldBytes < this.chunkBytes || !this.#lastEnd) return done();
    // Cut after the last line end held; what follows it (no line end) is held for the next chunk.
    const { buffer, at: end } = this.#lastEnd;
    const piece = [...this.#held.slice(0, buffer), this.#held[buffer]!.subarray(0, end + 1)];
    this.#held = [this.#held[buffer]!.subarray(end + 1), ...this.#held.slice(buffer + 1)];
    this.#heldBytes = this.#held.reduce((sum, b) => sum + b.length, 0);
    this.#lastEnd = undefined;
    this.#write(piece).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#finish().then(() => done(), done);
  }

  /** A stream that failed (its source did) writes no more chunks once the one in flight is done. */
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.#writing.catch(() => undefined).then(() => done(error));
  }

  /** Waits for the chunk in flight (its error, if any, is this write's), then starts writing `piece`. */
  async #write(piece: Buffer[]): Promise<void> {
    await this.#writing;
    if (this.destroyed) return;
    this.#writing = this.#writeChunk(piece);
    this.#writing.catch(() => undefined); // awaited by the next write or the end
  }

  /** The last chunk: what is held (an empty text is one empty chunk). */
  async #finish(): Promise<void> {
    await this.#writing;
    if (this.#heldBytes > 0 || this.chunks.length === 0) await this.#writeChunk(this.#held);
  }

  async #writeChunk(buffers: Buffer[]): Promise<void> {
    const chunkPath = path.join(this.dir, `${this.prefix}-${String(this.chunks.length).padStart(5, '0')}.txt`);
    await writeAll(chunkPath, buffers.filter((b) => b.length > 0)).catch((error: unknown) => {
      throw new StagingWriteError(chunkPath, error);
    });
    this.chunks.push({ path: chunkPath, firstLine: this.#firstLine });
    for (const b of buffers) this.#firstLine += countNewlines(b);
  }
}

/** Writes the buffers, in order, as the file's content (writev may write part of them at a time). */
async function writeAll(file: string, buffers: Buffer[]): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await writeFully(handle, buffers);
  } finally {
    await handle.close();
  }
}

async function writeFully(handle: fs.FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/** A file of the run's staging folder written as a stream; its errors (disk full, …) are StagingWriteError. */
export function stagingFileStream(file: string): Writable {
  let handle: fs.FileHandle | undefined;
  const failed = (done: (error?: Error | null) => void) => (error: unknown) => done(new StagingWriteError(file, error));
  return new Writable({
    construct(done) {
      fs.open(file, 'w').then((opened) => {
        handle = opened;
        done();
      }, failed(done));
    },
    write(data: Buffer, _encoding, done) {
      writeFully(handle!, [data]).then(() => done(), failed(done));
    },
    final(done) {
      const closing = handle!.close();
      handle = undefined;
      closing.then(() => done(), failed(done));
    },
    destroy(error, done) {
      (handle?.close() ?? Promise.resolve()).catch(() => undefined).then(() => done(error));
    },
  });
}

/**
 * Cuts a line-delimited text file into chunks of about `chunkBytes` (see ChunkSink). A file no
 * larger than one chunk is its own single chunk. Line numbers stay those of the whole file.
 */
export async function splitIntoChunks(textPath: string, dir: string, prefix: string, chunkBytes = CHUNK_BYTES): Promise<TextChunk[]> {
  const { size } = await fs.stat(textPath);
  if (size <= chunkBytes) return [{ path: textPath, firstLine: 1 }];
  const sink = new ChunkSink(dir, prefix, chunkBytes);
  await pipeline(createReadStream(textPath, { highWaterMark: READ_BYTES }), sink);
  return sink.chunks;
}
