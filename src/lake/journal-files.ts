/**
 * Which files the journal holds, and in which order: the listing rules of docs/SEMANTICS.md
 * ("Inputs"). Names are data, never patterns: every file is listed here and handed on by its path.
 */
import path from 'node:path';
import type { LakeStorage } from './storage/lake-storage.js';
import { localStorage } from './storage/local-storage.js';

/** How a journal file's text is read: line by line, or as one JSON text that falls back to lines. */
export type JournalFileKind = 'lines' | 'json';

/** A file of the journal, identified by its path relative to the journal folder. */
export interface JournalFile {
  path: string;
  absPath: string;
  date: string;
  size: number;
  mtimeMs: number;
  kind: JournalFileKind;
  gzipped: boolean;
}

export class JournalReadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`cannot read journal file ${file}: ${reason}; fix or remove the file and run again (nothing was committed)`);
  }
}

const DAY_FOLDER = /^(?:date=)?(\d{4}-\d{2}-\d{2})$/;
const JOURNAL_FILE = /\.(jsonl|ndjson|json)(\.gz)?$/;

/** `YYYY-MM-DD` naming a real day of the proleptic Gregorian calendar, years 0001-9999. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return y >= 1 && days !== undefined && d >= 1 && d <= days;
}

/** Names that readers skip: hidden files and the lake's own bookkeeping (`_archive`, `.x.pending`). */
const isSkipped = (name: string) => name.startsWith('.') || name.startsWith('_');

function refuseLink(relative: string): never {
  throw new JournalReadError(relative, 'it is a symbolic link; the journal holds regular files and folders only (replace the link by the file it points to)');
}

/**
 * Day folders and their journal files, in order key order (date, then path in natural order).
 * Everything else under the journal is reported in `ignored`; a symbolic link (the journal folder
 * itself included) fails the listing.
 */
export async function listJournalFiles(
  journalDir: string, storage: LakeStorage = localStorage,
): Promise<{ files: JournalFile[]; ignored: string[] }> {
  const files: JournalFile[] = [];
  const ignored: string[] = [];
  if ((await storage.stat(journalDir))?.type === 'symlink') {
    throw new Error(`the journal folder ${journalDir} is a symbolic link: the lake's journal is a folder of its own and nothing outside the lake is read (replace the link by the folder it points to); nothing was committed`);
  }
  for (const day of await storage.listStatus(journalDir)) {
    if (isSkipped(day.name)) continue;
    if (day.type === 'symlink') refuseLink(day.name);
    const date = DAY_FOLDER.exec(day.name)?.[1];
    if (!date || !isCalendarDate(date) || day.type !== 'directory') {
      ignored.push(day.type === 'directory' ? `${day.name}/` : day.name);
      continue;
    }
    for (const entry of await storage.listStatus(path.join(journalDir, day.name))) {
      if (isSkipped(entry.name)) continue;
      const relative = `${day.name}/${entry.name}`;
      if (entry.type === 'symlink') refuseLink(relative);
      const match = JOURNAL_FILE.exec(entry.name);
      if (!match || entry.type !== 'file') {
        ignored.push(entry.type === 'directory' ? `${relative}/` : relative);
        continue;
      }
      files.push({
        path: relative, absPath: path.join(journalDir, day.name, entry.name), date, size: entry.size, mtimeMs: entry.mtimeMs,
        kind: match[1] === 'json' ? 'json' : 'lines', gzipped: match[2] !== undefined,
      });
    }
  }
  files.sort(compareJournalFiles);
  return { files, ignored: ignored.sort() };
}

export function compareJournalFiles(a: { date: string; path: string }, b: { date: string; path: string }): number {
  return a.date < b.date ? -1 : a.date > b.date ? 1 : compareNatural(a.path, b.path);
}

/**
 * Natural order of file paths: runs of ASCII digits compare as numbers (`2.json` before `10.json`),
 * everything else byte-wise in UTF-8; equal numbers with more leading zeros come later, and two
 * paths equal in that order compare byte-wise, so the order is total.
 */
export function compareNatural(a: string, b: string): number {
  const runs = (s: string) => s.match(/[0-9]+|[^0-9]+/g) ?? [];
  const [ra, rb] = [runs(a), runs(b)];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const [x, y] = [ra[i]!, rb[i]!];
    const digits = /^[0-9]/.test(x) && /^[0-9]/.test(y);
    const order = digits ? compareDigitRuns(x, y) : compareBytes(x, y);
    if (order !== 0) return order;
  }
  return ra.length - rb.length || compareBytes(a, b);
}

function compareDigitRuns(x: string, y: string): number {
  const [sx, sy] = [x.replace(/^0+/, ''), y.replace(/^0+/, '')];
  if (sx.length !== sy.length) return sx.length - sy.length;
  if (sx !== sy) return sx < sy ? -1 : 1;
  return x.length - y.length;
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
