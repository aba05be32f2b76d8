/**
 * Turns a journal file into what every engine reads: line-delimited UTF-8 text whose lines are the
 * file's records, with their positions (docs/SEMANTICS.md, "Format of a file"). One streaming pass
 * checks the bytes (checksum, gzip, UTF-8) and decides the format; a second pass, only when needed,
 * writes a copy into the run's staging folder (normalized line ends, or a JSON document as one line
 * per record). For an engine that reads prepared texts, what it reads is a list of chunk files of
 * bounded size (PreparedJournalFile.chunks): a small plain file is its own chunk, a large or
 * compressed one is cut (decompressed) in the checking pass, a copy is cut after it is written.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { JournalReadError, type JournalFile } from './journal-files.js';
import { JsonTextScanner } from './json-text.js';
import type { LakeStorage } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';
import { ChunkSink, StagingWriteError, splitIntoChunks, stagingFileStream, type TextChunk } from './text-chunks.js';

export type JournalFormat = 'lines' | 'array' | 'document';

export interface PreparedJournalFile extends JournalFile {
  /** The content's checksum as the commit log records it (LakeStorage.checksum). */
  checksum: string;
  format: JournalFormat;
  /**
   * Line-delimited text of the records (a path in the lake's storage): the file itself (compressed
   * or not), or a copy under the staging folder.
   */
  textPath: string;
  /** Its bytes were checked to be UTF-8 here; if not, the engine checks them (SqlDialect.invalidUtf8Query). */
  textChecked: boolean;
  /**
   * For an engine that reads prepared texts: the uncompressed text of `textPath` in pieces of
   * bounded size (PrepareOptions.chunks), with their line numbers; what the engine reads.
   */
  chunks?: TextChunk[];
}

const BOM = '\ufeff';
const CR = 0x0d;
const LF = 0x0a;
/** Reads of 1 MiB: the pass over a large file waits on fewer reads. */
const READ_BYTES = 1 << 20;

/** What the first pass learns about a file's text. */
interface TextFacts {
  sha256: string;
  startsWithBom: boolean;
  hasLoneCr: boolean;
  /** For `.json` files: the text is exactly one strict JSON value. */
  singleValue: boolean;
  rootIsArray: boolean;
}

/** Where a prepared text's chunk files go: `<prefix>-<n>.txt` under `dir`, about `bytes` each. */
export interface ChunkFiles {
  dir: string;
  prefix: string;
  bytes: number;
}

export type PrepareOptions =
  | {
      /**
       * The engine reads line-delimited files itself, gzip and line ends included (SqlDialect's
       * `raw-files`): only `.json` documents are copied, as their records' lines.
       */
      rawFiles: true;
      /** Where the lake lives (the local disk when not given). */
      storage?: LakeStorage;
    }
  | {
      rawFiles?: false;
      storage?: LakeStorage;
      /**
       * The engine reads prepared texts in chunks: a file larger than `bytes`, or compressed, is cut
       * in the same pass that checks it (no second read, no decompressed copy) unless its text needs
       * a copy of its own (a document, a BOM, a lone CR), which is then cut.
       */
      chunks: ChunkFiles;
    };

/**
 * Prepares one journal file for the engines. Unreadable bytes (not UTF-8, broken gzip, no
 * permission) throw JournalReadError naming the file: nothing is guessed.
 */
export async function prepareJournalFile(file: JournalFile, stagingDir: string, options: PrepareOptions): Promise<PreparedJournalFile> {
  const storage = options.storage ?? localStorage;
  if (storage.scheme !== 'file') return prepareOnCluster(file, stagingDir, storage, options);
  // The copy's name keeps the whole file name (`a.json.gz` and `a.json` are two files: two copies).
  const staged = (suffix: string) => path.join(stagingDir, 'journal', `${file.path}${suffix}`);
  await fs.mkdir(path.dirname(staged('')), { recursive: true });
  const chunks = options.rawFiles ? undefined : options.chunks;
  const sink = chunks && (file.gzipped || file.size > chunks.bytes) ? new ChunkSink(chunks.dir, chunks.prefix, chunks.bytes) : undefined;
  const facts = await withReadErrors(file, () => firstPass(file, createReadStream(file.absPath, { highWaterMark: READ_BYTES }), sink));
  let textPath = file.absPath;
  let format: JournalFormat = 'lines';
  if (file.kind === 'json' && facts.singleValue) {
    format = facts.rootIsArray ? 'array' : 'document';
    textPath = staged('.records');
    await withReadErrors(file, () => writeJsonValueLines(textStream(file), stagingFileStream(textPath), facts.startsWithBom));
  } else if (chunks && (facts.startsWithBom || facts.hasLoneCr)) {
    textPath = staged('.lines');
    await withReadErrors(file, () => writeNormalizedLines(textStream(file), stagingFileStream(textPath), facts.startsWithBom));
  }
  const prepared = { ...file, checksum: `sha256:${facts.sha256}`, format, textPath, textChecked: true };
  if (!chunks) return prepared;
  // The chunks cut while checking hold the file's text as it is: of use unless a copy was made.
  if (textPath === file.absPath) return { ...prepared, chunks: sink?.chunks ?? [{ path: textPath, firstLine: 1 }] };
  if (sink) await Promise.all(sink.chunks.map((c) => fs.rm(c.path, { force: true })));
  const cut = await splitIntoChunks(textPath, chunks.dir, chunks.prefix, chunks.bytes);
  // A copy cut into chunks is not read again: staging holds the text once.
  if (cut[0]?.path !== textPath) await fs.rm(textPath, { force: true });
  return { ...prepared, chunks: cut };
}

/**
 * A journal file on a cluster's file system, for an engine that reads raw files there itself: the
 * checksum is the file system's own (no bytes move); a line-delimited file is read only by the
 * engine, which checks its UTF-8 (textChecked false); a `.json` file is read once here to tell a
 * document from lines, and a document's records are written as lines into the staging folder.
 */
async function prepareOnCluster(file: JournalFile, stagingDir: string, storage: LakeStorage, options: PrepareOptions): Promise<PreparedJournalFile> {
  if (!options.rawFiles) throw new JournalReadError(file.path, 'an engine that reads prepared texts cannot read a journal on a cluster');
  const checksum = await withReadErrors(file, () => storage.checksum(file.absPath));
  const asLines = { ...file, checksum, format: 'lines' as const, textPath: file.absPath };
  if (file.kind !== 'json') return { ...asLines, textChecked: false };
  const source = () => {
    const raw = Readable.from(storage.readStream(file.absPath));
    return file.gzipped ? raw.pipe(createGunzip()) : raw;
  };
  const facts = await withReadErrors(file, () => firstPass(file, Readable.from(storage.readStream(file.absPath)), undefined));
  if (!facts.singleValue) return { ...asLines, textChecked: true };
  const textPath = path.join(stagingDir, 'journal', `${file.path}.records`);
  await storage.ensureDir(path.dirname(textPath));
  const lines = new PassThrough();
  const upload = storage.writeStream(textPath, lines).catch((error: unknown) => {
    const failed = new StagingWriteError(textPath, error);
    lines.destroy(failed);
    throw failed;
  });
  await withReadErrors(file, () => Promise.all([upload, writeJsonValueLines(source(), lines, facts.startsWithBom)]));
  return { ...file, checksum, format: facts.rootIsArray ? 'array' : 'document', textPath, textChecked: true };
}

/** The file's text as a byte stream (gzip decompressed; a read error of the file is the stream's). */
function textStream(file: JournalFile): Readable {
  const raw = createReadStream(file.absPath);
  if (!file.gzipped) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

async function withReadErrors<T>(file: JournalFile, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // A chunk or copy that could not be written (disk full in staging) is not the journal file's fault.
    if (error instanceof JournalReadError || error instanceof StagingWriteError) throw error;
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM') throw new JournalReadError(file.path, 'permission denied');
    if (err.code === 'ENOENT') throw new JournalReadError(file.path, 'it disappeared during the run');
    if (file.gzipped && (err.code?.startsWith('Z_') || /unexpected end|incorrect header/i.test(err.message))) {
      throw new JournalReadError(file.path, `corrupt or truncated gzip (${err.message})`);
    }
    throw new JournalReadError(file.path, err.message);
  }
}

/** Checks the file's bytes and learns its facts; its text (decompressed) goes to `copy` when given. */
async function firstPass(file: JournalFile, raw: Readable, copy: Writable | undefined): Promise<TextFacts> {
  const hash = createHash('sha256');
  const scanner = file.kind === 'json' ? new JsonTextScanner() : undefined;
  let rootIsArray = false;
  let offset = 0;
  let carry = Buffer.alloc(0);
  let startsWithBom = false;
  let hasLoneCr = false;
  let previousWasCr = false;
  const hashRaw = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      // Validated in place (no decoding but for the JSON scanner); a character cut at the end waits.
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeCharactersEnd(data);
      const complete = data.subarray(0, end);
      if (!isUtf8(complete)) return done(new JournalReadError(file.path, `not valid UTF-8 (near byte ${offset} of its text)`));
      if (offset === 0 && complete.length >= 3 && complete[0] === 0xef && complete[1] === 0xbb && complete[2] === 0xbf) startsWithBom = true;
      if (!hasLoneCr) {
        for (let at = complete.indexOf(CR); at !== -1 && !hasLoneCr; at = complete.indexOf(CR, at + 1)) {
          if (at + 1 < complete.length ? complete[at + 1] !== LF : false) hasLoneCr = true;
        }
        if (previousWasCr && complete.length && complete[0] !== LF) hasLoneCr = true;
        if (complete.length) previousWasCr = complete[complete.length - 1] === CR;
      }
      if (scanner && !scanner.failed) {
        let text = complete.toString('utf8');
        if (offset === 0 && startsWithBom) text = text.slice(BOM.length);
        if (offset === 0) rootIsArray = text.trimStart().startsWith('[');
        scanner.write(text);
      }
      carry = Buffer.from(data.subarray(end));
      offset += complete.length;
      done(null, chunk);
    },
    flush(done) {
      if (carry.length) return done(new JournalReadError(file.path, 'not valid UTF-8 (a character is cut at the end)'));
      // A lone CR as the very last byte ends the last line.
      if (previousWasCr) hasLoneCr = true;
      done();
    },
  });
  const steps: (NodeJS.ReadableStream | NodeJS.WritableStream | NodeJS.ReadWriteStream)[] = [raw, hashRaw];
  if (file.gzipped) steps.push(createGunzip());
  steps.push(check, copy ?? devNull());
  await pipeline(steps as unknown as [Readable, ...NodeJS.WritableStream[]]);
  const singleValue = scanner !== undefined && !scanner.failed && scanner.end();
  return { sha256: hash.digest('hex'), startsWithBom, hasLoneCr, singleValue, rootIsArray: singleValue && rootIsArray };
}

/** A JSON document as journal lines: array elements one per line, any other value as one line. */
async function writeJsonValueLines(source: Readable, out: Writable, skipBom: boolean): Promise<void> {
  const pending: string[] = [];
  const scanner = new JsonTextScanner((line) => pending.push(`${line}\n`));
  let first = true;
  const toLines = new Transform({
    decodeStrings: false,
    transform(chunk: string, _enc, done) {
      // The decoder holds a character cut between pieces: the mark is in the first piece not empty.
      scanner.write(first && skipBom ? chunk.replace(/^\ufeff/, '') : chunk);
      if (chunk.length > 0) first = false;
      done(null, pending.splice(0).join(''));
    },
    flush(done) {
      scanner.end();
      done(null, pending.splice(0).join(''));
    },
  });
  source.setEncoding('utf8');
  await pipeline(source, toLines, out);
}

/** The same lines with a lone CR turned into LF (it ends a line) and a leading byte order mark removed. */
async function writeNormalizedLines(source: Readable, target: Writable, skipBom: boolean): Promise<void> {
  // The mark's bytes may come in more than one piece (a gzip file's first piece can be one byte).
  let bomLeft = skipBom ? 3 : 0;
  let heldCr = false;
  const normalize = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const skipped = Math.min(bomLeft, chunk.length);
      const data = chunk.subarray(skipped);
      bomLeft -= skipped;
      const out = Buffer.allocUnsafe(data.length + 1);
      let n = 0;
      if (heldCr) out[n++] = data.length && data[0] === LF ? CR : LF;
      heldCr = false;
      for (let i = 0; i < data.length; i++) {
        const byte = data[i]!;
        if (byte !== CR) out[n++] = byte;
        else if (i + 1 === data.length) heldCr = true;
        else out[n++] = data[i + 1] === LF ? CR : LF;
      }
      done(null, out.subarray(0, n));
    },
    flush(done) {
      done(null, heldCr ? Buffer.from([LF]) : Buffer.alloc(0));
    },
  });
  await pipeline(source, normalize, target);
}

/** Where the last complete UTF-8 character of `data` ends (a multi-byte sequence may be cut short). */
function completeCharactersEnd(data: Buffer): number {
  let lead = data.length - 1;
  while (lead >= 0 && data.length - lead < 4 && (data[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return data.length;
  const byte = data[lead]!;
  const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return data.length - lead < length ? lead : data.length;
}

function devNull(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}
