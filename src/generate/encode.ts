// Writes a clean record straight into a byte buffer, producing exactly the bytes of
// `recordLine(ctx, r) + '\n'` in UTF-8. Building a string per record and encoding it
// afterwards costs more than drawing the record, and the journal writer must sustain
// over a million records per second; so constant parts, names and dates are encoded
// once and copied, and numbers are written digit by digit.

import { FIRST_NAMES_JSON, LAST_NAMES_JSON } from './names.js';
import { MAX_CYCLE, SUBSCRIPTIONS_JSON } from './record.js';
import type { DayContext, DrawnRecord } from './record.js';

/** Upper bound of the bytes of one line (clean or not); callers keep this much room. */
export const MAX_LINE_BYTES = 2048;

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

// Constant text is pre-joined with its neighbouring values into as few pieces as
// possible: TypedArray.set is a memcpy, ~5x faster than a JS byte loop, but each call
// has a fixed cost, so a line is one '{"Id":', the digits, and three copies.
const ID_PREFIX = utf8('{"Id":');
/** HEADS[active ? 1 : 0][sub] = `,"active":…,"subscription":…,"customer_first_name":` */
const HEADS: readonly (readonly Uint8Array[])[] = [false, true].map((active) =>
  SUBSCRIPTIONS_JSON.map((sub) => utf8(`,"active":${active},"subscription":${sub},"customer_first_name":`)),
);
/** NAMES[first * LAST_COUNT + last] = `<first>,"customer_last_name":<last>,"cost":` */
const LAST_COUNT = LAST_NAMES_JSON.length;
const NAMES: readonly Uint8Array[] = FIRST_NAMES_JSON.flatMap((first) =>
  LAST_NAMES_JSON.map((last) => utf8(`${first},"customer_last_name":${last},"cost":`)),
);

/** A day's date pieces: tails[term][offset] = `,"start_date":"…","end_date":"…"}\n`. */
export interface DayBytes {
  readonly tails: readonly (readonly Uint8Array[])[];
}

export function dayBytes(ctx: DayContext): DayBytes {
  if (ctx.startDates.length !== MAX_CYCLE) throw new Error('day tables do not match the renewal cycle');
  const tails = ctx.endDates.map((ends) =>
    ends.map((end, k) => utf8(`,"start_date":"${ctx.startDates[k]}","end_date":"${end}"}\n`)),
  );
  return { tails };
}

function put(src: Uint8Array, buf: Uint8Array, at: number): number {
  buf.set(src, at);
  return at + src.length;
}

/** Decimal digits of a non-negative safe integer, as String(n) would write them. */
function writeUint(n: number, buf: Uint8Array, at: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  let q = n;
  for (let i = digits - 1; i >= 0; i--) {
    buf[at + i] = 48 + (q % 10);
    q = Math.floor(q / 10);
  }
  return at + digits;
}

function writeInt(n: number, buf: Uint8Array, at: number): number {
  if (n >= 0) return writeUint(n, buf, at);
  buf[at] = 45; // '-'
  return writeUint(-n, buf, at + 1);
}

/** Cents as centsToJson writes them: no trailing zeros, no dot for whole amounts. */
function writeCents(cents: number, buf: Uint8Array, at: number): number {
  let p = at;
  let c = cents;
  if (c < 0) {
    buf[p++] = 45;
    c = -c;
  }
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  p = writeUint(whole, buf, p);
  if (frac !== 0) {
    buf[p++] = 46; // '.'
    buf[p++] = 48 + Math.floor(frac / 10);
    if (frac % 10 !== 0) buf[p++] = 48 + (frac % 10);
  }
  return p;
}

/** Writes the record's line and its newline at `at`; returns the offset after it. */
export function encodeRecord(days: DayBytes, r: DrawnRecord, buf: Uint8Array, at: number): number {
  for (let i = 0; i < ID_PREFIX.length; i++) buf[at + i] = ID_PREFIX[i] as number;
  let p = writeInt(r.id, buf, at + ID_PREFIX.length);
  p = put((HEADS[r.active ? 1 : 0] as Uint8Array[])[r.sub] as Uint8Array, buf, p);
  p = put(NAMES[r.first * LAST_COUNT + r.last] as Uint8Array, buf, p);
  p = writeCents(r.cents, buf, p);
  return put((days.tails[r.term] as Uint8Array[])[r.offset] as Uint8Array, buf, p);
}
