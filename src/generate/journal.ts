// Writes the journal lake: `<lake>/journal/date=YYYY-MM-DD/part-NNNNN.jsonl`, one folder
// per day. Files appear under their final name only once complete (temp file, fsync,
// rename), and the temp name starts with `.` so a reader listing the folder skips it.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { dayRange, requireIsoDay } from './dates.js';
import { createDayGenerator } from './day.js';
import { MAX_LINE_BYTES } from './encode.js';
import type { DayGenerator } from './day.js';
import { resolveJournalOptions } from './options.js';
import { dayFolderName } from '../lake/layout.js';
import type { JournalOptionsInput } from './options.js';

export { DIRTY_KINDS, makeDirtyLine } from './dirty.js';
export type { DirtyKind } from './dirty.js';
export { createDayGenerator, dayFileStarts, generateDayLines } from './day.js';
export type { DayGenerator } from './day.js';
export { JOURNAL_DEFAULTS, resolveJournalOptions } from './options.js';
export type { JournalOptions, JournalOptionsInput } from './options.js';
export { FIELD_ORDER } from './record.js';

/** Bytes per write buffer; big writes keep syscalls off the profile. */
const BUFFER_BYTES = 4 * 1024 * 1024;

export interface WriteJournalResult {
  /** Paths of the files written, in order (day, then part). */
  files: string[];
  /** Lines written, dirty and duplicate lines included. */
  records: number;
}

/** `<lake>/journal/date=<date>/part-<index, 5 digits>.jsonl`. */
export function journalFilePath(lakeDir: string, date: string, index: number): string {
  return join(lakeDir, 'journal', dayFolderName(date), `part-${String(index).padStart(5, '0')}.jsonl`);
}

/** The days a full generation covers, in order. */
export function journalDays(options: JournalOptionsInput): string[] {
  const o = resolveJournalOptions(options);
  return dayRange(o.start, o.days);
}

async function writeAll(fh: FileHandle, buf: Buffer, length: number): Promise<void> {
  let offset = 0;
  // A regular-file write may in principle be short; loop rather than lose the tail.
  while (offset < length) {
    const { bytesWritten } = await fh.write(buf, offset, length - offset);
    offset += bytesWritten;
  }
}

/** Writes `lines` lines of `gen` to `path` atomically. */
async function writeFileLines(path: string, gen: DayGenerator, lines: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fh = await open(tmp, 'w');
  let pending: Promise<void> = Promise.resolve();
  try {
    // Two buffers: one is filled while the libuv thread pool writes the other, and
    // awaiting that write before reusing its buffer is the backpressure. Lines are
    // encoded straight into the buffer (see encode.ts): no per-line strings to flatten.
    const buffers = [Buffer.allocUnsafe(BUFFER_BYTES), Buffer.allocUnsafe(BUFFER_BYTES)];
    let current = 0;
    let buf = buffers[0] as Buffer;
    let used = 0;
    pending = Promise.resolve();
    for (let i = 0; i < lines; i++) {
      if (used + MAX_LINE_BYTES > BUFFER_BYTES) {
        await pending;
        pending = writeAll(fh, buf, used);
        current ^= 1;
        buf = buffers[current] as Buffer;
        used = 0;
      }
      used = gen.nextInto(buf, used);
    }
    await pending;
    await writeAll(fh, buf, used);
    await fh.datasync();
  } catch (err) {
    await pending.catch(() => undefined); // never close under an in-flight write
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}

/**
 * Generates the journal into `lakeDir`. With `onlyDay`, writes that day only, byte for
 * byte as a full generation would (any real date is accepted, in the range or not).
 */
export async function writeJournal(
  lakeDir: string,
  options: JournalOptionsInput,
  onlyDay?: string,
): Promise<WriteJournalResult> {
  const o = resolveJournalOptions(options);
  if (onlyDay !== undefined) requireIsoDay(onlyDay, 'onlyDay');
  const days = onlyDay !== undefined ? [onlyDay] : dayRange(o.start, o.days);
  const files: string[] = [];
  let records = 0;
  for (const date of days) {
    const gen = createDayGenerator(o, date);
    await mkdir(dirname(journalFilePath(lakeDir, date, 0)), { recursive: true });
    const starts = gen.fileStarts;
    for (let k = 0; k < starts.length; k++) {
      const from = starts[k] as number;
      const to = k + 1 < starts.length ? (starts[k + 1] as number) : gen.count;
      const path = journalFilePath(lakeDir, date, k);
      await writeFileLines(path, gen, to - from);
      files.push(path);
      records += to - from;
    }
  }
  return { files, records };
}
