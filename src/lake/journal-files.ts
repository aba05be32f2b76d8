import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable } from 'node:stream';

/** A file of the journal, identified by its path relative to the journal folder. */
export interface JournalFile {
  path: string;
  absPath: string;
  date: string;
  size: number;
  mtimeMs: number;
}

export type JournalFormat = 'ndjson' | 'array' | 'document';

export interface InspectedJournalFile extends JournalFile {
  sha256: string;
  format: JournalFormat;
  /** A plain UTF-8 file with the same text: the file itself, or its decompressed copy in staging. */
  textPath: string;
}

export class JournalReadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`cannot read journal file ${file}: ${reason}; fix or remove the file and run again (nothing was committed)`);
  }
}

const DAY_FOLDER = /^(?:date=)?(\d{4}-\d{2}-\d{2})$/;
const JOURNAL_FILE = /\.(?:jsonl|ndjson|json)(?:\.gz)?$/;

export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** Day folders and their journal files, in order key order (date, then path byte-wise). */
export async function listJournalFiles(journalDir: string): Promise<{ files: JournalFile[]; ignored: string[] }> {
  const files: JournalFile[] = [];
  const ignored: string[] = [];
  let days: string[];
  try {
    days = await fs.readdir(journalDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files, ignored };
    throw error;
  }
  for (const day of days) {
    if (day.startsWith('.') || day.startsWith('_')) continue;
    const date = DAY_FOLDER.exec(day)?.[1];
    const dayPath = path.join(journalDir, day);
    if (!date || !isCalendarDate(date) || !(await fs.stat(dayPath)).isDirectory()) {
      ignored.push(day);
      continue;
    }
    for (const name of await fs.readdir(dayPath)) {
      if (name.startsWith('.') || name.startsWith('_')) continue;
      const absPath = path.join(dayPath, name);
      if (!JOURNAL_FILE.test(name)) {
        ignored.push(`${day}/${name}`);
        continue;
      }
      const stat = await fs.stat(absPath);
      if (stat.isFile()) files.push({ path: `${day}/${name}`, absPath, date, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  files.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : compareBytes(a.path, b.path)));
  return { files, ignored };
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Sniffs the format from the first non-blank line, per docs/SEMANTICS.md. */
class FormatSniffer {
  private head = '';
  format: JournalFormat | undefined;

  feed(text: string, final: boolean): void {
    if (this.format) return;
    this.head += text;
    const trimmed = this.head.trimStart();
    if (trimmed.length === 0) {
      if (final) this.format = 'ndjson';
      return;
    }
    if (trimmed.startsWith('[')) {
      this.format = 'array';
      return;
    }
    const newline = trimmed.indexOf('\n');
    if (newline < 0 && !final) return;
    const firstLine = newline < 0 ? trimmed : trimmed.slice(0, newline);
    this.format = parsesAsJson(firstLine) ? 'ndjson' : 'document';
  }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * One streaming pass over a journal file: checksum of its bytes, gzip and UTF-8 checks, format.
 * A gzip file is decompressed into `stagingDir` so that every engine reads plain text.
 */
export async function inspectJournalFile(file: JournalFile, stagingDir: string): Promise<InspectedJournalFile> {
  const hash = createHash('sha256');
  const sniffer = new FormatSniffer();
  const gzipped = file.path.endsWith('.gz');
  const textPath = gzipped ? path.join(stagingDir, 'journal', file.path.replace(/\.gz$/, '')) : file.absPath;
  let offset = 0;
  let carry = Buffer.alloc(0);
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      // Validated in place (no decoding); a character cut at the chunk's end waits for the next.
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const end = completeCharactersEnd(data);
      if (!isUtf8(data.subarray(0, end))) {
        return done(new JournalReadError(file.path, `not valid UTF-8 (near byte ${offset} of its text)`));
      }
      if (!sniffer.format) sniffer.feed(data.toString('utf8', 0, end), false);
      carry = Buffer.from(data.subarray(end));
      offset += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (carry.length) return done(new JournalReadError(file.path, 'not valid UTF-8 (a character is cut at the end)'));
      sniffer.feed('', true);
      done();
    },
  });
  const hashRaw = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    if (gzipped) {
      await fs.mkdir(path.dirname(textPath), { recursive: true });
      await pipeline(createReadStream(file.absPath), hashRaw, createGunzip(), check, createWriteStream(textPath));
    } else {
      await pipeline(createReadStream(file.absPath), hashRaw, check, devNull());
    }
  } catch (error) {
    if (error instanceof JournalReadError) throw error;
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM') throw new JournalReadError(file.path, 'permission denied');
    if (err.code === 'ENOENT') throw new JournalReadError(file.path, 'it disappeared during the run');
    if (gzipped && (err.code?.startsWith('Z_') || /unexpected end|incorrect header/i.test(err.message))) {
      throw new JournalReadError(file.path, `corrupt or truncated gzip (${err.message})`);
    }
    throw new JournalReadError(file.path, err.message);
  }
  return { ...file, sha256: hash.digest('hex'), format: sniffer.format ?? 'ndjson', textPath };
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
