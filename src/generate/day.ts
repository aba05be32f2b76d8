// The lines of one journal day, produced one at a time (never materialised) from a
// stream seeded by (seed, date) only, so any day can be regenerated on its own.

import { DIRTY_KINDS, makeDirtyLine } from './dirty.js';
import { MAX_LINE_BYTES, dayBytes, encodeRecord } from './encode.js';
import type { JournalOptions, JournalOptionsInput } from './options.js';
import { resolveJournalOptions } from './options.js';
import { createDayContext, drawRecord, recordFields, recordLine, withNullFields } from './record.js';
import type { DrawnRecord } from './record.js';
import { createRng, deriveSeed, nextFloat, nextInt } from './rng.js';

/** How many recent clean lines a same-day duplicate may repeat. */
const RECENT = 64;

export interface DayGenerator {
  readonly date: string;
  /** Lines of the day, dirty and duplicates included. */
  readonly count: number;
  /** Index of the first line of each file of the day. */
  readonly fileStarts: readonly number[];
  /** The next line, without newline; throws after `count` lines. */
  next(): string;
  /**
   * Same line as next() would give, written as UTF-8 plus '\n' into `buf` at `at`
   * (which must have MAX_LINE_BYTES of room); returns the offset after it.
   */
  nextInto(buf: Buffer, at: number): number;
}

/** First line index of each file when `count` lines are split in order across `files` files. */
export function dayFileStarts(count: number, files: number): number[] {
  const n = Math.max(1, Math.min(files, count));
  return Array.from({ length: n }, (_, k) => Math.floor((k * count) / n));
}

/** A clean record still in its compact form, or an already written (slow-path) line. */
type Item = DrawnRecord | string;

export function createDayGenerator(o: JournalOptions, date: string): DayGenerator {
  const ctx = createDayContext(o.seed, date, o.unknownSubscriptionRate);
  const bytes = dayBytes(ctx);
  const rng = createRng(deriveSeed(o.seed, `day:${date}`));
  const count = o.recordsPerDay;
  const fileStarts = dayFileStarts(count, o.filesPerDay);
  // Round-robin from a per-day offset: every kind shows up as soon as a day (or a few)
  // has as many dirty lines as there are kinds, which random choice would not promise.
  let kind = nextInt(rng, 0, DIRTY_KINDS.length - 1);
  const recentIds: number[] = [];
  const recentItems: Item[] = [];
  let recentNext = 0;
  let index = 0;
  let nextFile = 0;

  const lineOf = (item: Item): string => (typeof item === 'string' ? item : recordLine(ctx, item));

  const remember = (id: number, item: Item): Item => {
    recentIds[recentNext] = id;
    recentItems[recentNext] = item;
    recentNext = (recentNext + 1) % RECENT;
    return item;
  };

  const cleanItem = (id: number): Item => {
    const r = drawRecord(ctx, rng, id);
    return o.nullRate > 0 && nextFloat(rng) < o.nullRate ? withNullFields(rng, ctx, r) : r;
  };

  const step = (): Item => {
    if (index >= count) throw new RangeError(`day ${date} has only ${count} lines`);
    // A file's first line decides how the reader parses the whole file (a `[` or an
    // unparsable first line turns NDJSON into one broken document), so it is always clean.
    const fileStart = fileStarts[nextFile] === index;
    if (fileStart) nextFile++;
    index++;

    if (o.dirtyRate > 0 && nextFloat(rng) < o.dirtyRate && !fileStart) {
      const k = DIRTY_KINDS[kind] as (typeof DIRTY_KINDS)[number];
      kind = (kind + 1) % DIRTY_KINDS.length;
      const base = recordFields(ctx, drawRecord(ctx, rng, nextInt(rng, o.idMin, o.idMax)));
      return makeDirtyLine(k, rng, base);
    }

    const seen = recentItems.length;
    if (o.duplicateRate > 0 && seen > 0 && nextFloat(rng) < o.duplicateRate) {
      const j = nextInt(rng, 0, seen - 1);
      const earlier = recentItems[j] as Item;
      const id = recentIds[j] as number;
      if (nextFloat(rng) < 0.5) return earlier; // exact replay, as an at-least-once producer does
      // A conflicting update of the same Id the same day; redraw until it really differs.
      const earlierLine = lineOf(earlier);
      let item = cleanItem(id);
      for (let tries = 0; lineOf(item) === earlierLine && tries < 8; tries++) item = cleanItem(id);
      return remember(id, item);
    }

    const id = o.sequentialIds ? o.idMin + index - 1 : nextInt(rng, o.idMin, o.idMax);
    return remember(id, cleanItem(id));
  };

  const next = (): string => lineOf(step());

  const nextInto = (buf: Buffer, at: number): number => {
    const item = step();
    if (typeof item !== 'string') return encodeRecord(bytes, item, buf, at);
    if (item.length * 3 + 1 > MAX_LINE_BYTES) throw new RangeError('line longer than MAX_LINE_BYTES');
    const end = at + buf.write(item, at);
    buf[end] = 0x0a;
    return end + 1;
  };

  return { date, count, fileStarts, next, nextInto };
}

/** Every line of one day, in order, without newlines. */
export function* generateDayLines(options: JournalOptionsInput, date: string): Generator<string> {
  const gen = createDayGenerator(resolveJournalOptions(options), date);
  for (let i = 0; i < gen.count; i++) yield gen.next();
}
