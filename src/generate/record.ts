// One clean journal record: how a customer's record on a given day is drawn, and its
// NDJSON text. This is the hot path (millions of calls), hence a record made of small
// integers (indices into pre-encoded tables) and per-day date tables instead of Date and
// JSON.stringify; encode.ts writes the same record as bytes.

import { addMonths, formatIsoDay, requireIsoDay } from './dates.js';
import { FIRST_NAMES_JSON, LAST_NAMES_JSON, firstNameIndex, lastNameIndex } from './names.js';
import {
  MONTHLY_PRICE_CENTS,
  SUBSCRIPTION_NAMES,
  TERM_CYCLE_DAYS,
  TERM_MONTHS,
  UNKNOWN_MONTHLY_PRICE_CENTS,
  UNKNOWN_SUBSCRIPTIONS,
  centsToJson,
  termPriceCents,
} from './plans.js';
import { foldSeed, hashNumber, mix32, nextFloat, nextInt } from './rng.js';
import type { Rng } from './rng.js';

/** Schema order of the record keys; every line is written in this order. */
export const FIELD_ORDER = [
  'Id',
  'active',
  'subscription',
  'customer_first_name',
  'customer_last_name',
  'cost',
  'start_date',
  'end_date',
] as const;

/** A record as ordered (key, JSON text) pairs: the slow path used for nulls and dirty lines. */
export type RecordFields = Array<[key: string, json: string]>;

export interface DayContext {
  /** Folded seed for the per-Id hash (names and habits of a customer). */
  readonly idKey: number;
  /** The journal day as an epoch day. */
  readonly day: number;
  /** startDates[k] = journal day - k; k < 365 covers every renewal cycle. */
  readonly startDates: readonly string[];
  /** endDates[term][k] = startDates[k] + TERM_MONTHS[term] months. */
  readonly endDates: readonly (readonly string[])[];
  readonly unknownSubscriptionRate: number;
}

export interface DrawnRecord {
  id: number;
  active: boolean;
  /** Index into SUBSCRIPTIONS_JSON: catalog names first, then the unknown ones. */
  sub: number;
  /** Indices into FIRST_NAMES_JSON / LAST_NAMES_JSON. */
  first: number;
  last: number;
  cents: number;
  /** Index into TERM_MONTHS. */
  term: number;
  /** start_date = journal day - offset: an index into the day's date tables. */
  offset: number;
}

/** Every subscription value a clean record can carry, JSON-encoded. */
export const SUBSCRIPTIONS_JSON: readonly string[] = [...SUBSCRIPTION_NAMES, ...UNKNOWN_SUBSCRIPTIONS].map((n) =>
  JSON.stringify(n),
);
const PRICES: readonly (readonly number[])[] = MONTHLY_PRICE_CENTS.map((m) =>
  TERM_MONTHS.map((_, t) => termPriceCents(m, t)),
);
const UNKNOWN_PRICES = TERM_MONTHS.map((_, t) => termPriceCents(UNKNOWN_MONTHLY_PRICE_CENTS, t));
export const MAX_CYCLE = Math.max(...TERM_CYCLE_DAYS);

export function createDayContext(seed: number, date: string, unknownSubscriptionRate: number): DayContext {
  const day = requireIsoDay(date, 'journal date');
  const startDates: string[] = [];
  const endDates: string[][] = TERM_MONTHS.map(() => []);
  for (let k = 0; k < MAX_CYCLE; k++) {
    startDates.push(formatIsoDay(day - k));
    TERM_MONTHS.forEach((months, t) => endDates[t]?.push(formatIsoDay(addMonths(day - k, months))));
  }
  return { idKey: foldSeed(seed) ^ 0x1d5, day, startDates, endDates, unknownSubscriptionRate };
}

// Term mix by hash bucket: monthly and yearly plans dominate, as in real subscription books.
function baseTerm(bucket: number): number {
  if (bucket < 35) return 0;
  if (bucket < 55) return 1;
  if (bucket < 65) return 2;
  return 3;
}

/**
 * Draws the record of customer `id` on the context's day. The customer's name, usual
 * plan, term, renewal phase and usual `active` come from the Id hash, so they hold across
 * days; the day's rng then applies occasional changes (plan switch, term change, price
 * promotion, `active` flip) so that a recurring Id is a realistic update.
 */
export function drawRecord(ctx: DayContext, rng: Rng, id: number): DrawnRecord {
  const h = hashNumber(ctx.idKey, id);
  const h2 = mix32(h + 0x9e3779b9);
  const h3 = mix32(h2 + 0x9e3779b9);
  let sub = h2 % SUBSCRIPTION_NAMES.length;
  let term = baseTerm(h3 % 100);
  const phase = (h3 >>> 8) % MAX_CYCLE;
  let active = h2 >>> 28 !== 0; // 15 of 16 customers are usually active

  if (nextFloat(rng) < 0.12) sub = nextInt(rng, 0, SUBSCRIPTION_NAMES.length - 1);
  if (nextFloat(rng) < 0.1) term = nextInt(rng, 0, TERM_MONTHS.length - 1);
  if (nextFloat(rng) < 0.08) active = !active;

  let listCents = (PRICES[sub] as number[])[term] as number;
  if (ctx.unknownSubscriptionRate > 0 && nextFloat(rng) < ctx.unknownSubscriptionRate) {
    sub = SUBSCRIPTION_NAMES.length + nextInt(rng, 0, UNKNOWN_SUBSCRIPTIONS.length - 1);
    listCents = UNKNOWN_PRICES[term] as number;
  }
  // Most customers pay list price; a quarter get a promotion or surcharge within 10%.
  const r = nextFloat(rng);
  const cents = r < 0.75 ? listCents : Math.round(listCents * (0.9 + (r - 0.75) * 0.8));

  // The start date only moves at renewal: the same Id keeps it on consecutive days.
  const cycle = TERM_CYCLE_DAYS[term] as number;
  const offset = (((ctx.day - phase) % cycle) + cycle) % cycle;
  return { id, active, sub, first: firstNameIndex(h), last: lastNameIndex(h), cents, term, offset };
}

const startOf = (ctx: DayContext, r: DrawnRecord): string => ctx.startDates[r.offset] as string;
const endOf = (ctx: DayContext, r: DrawnRecord): string => (ctx.endDates[r.term] as string[])[r.offset] as string;

/** The record's NDJSON line (no newline), keys in FIELD_ORDER. */
export function recordLine(ctx: DayContext, r: DrawnRecord): string {
  return (
    `{"Id":${r.id},"active":${r.active},"subscription":${SUBSCRIPTIONS_JSON[r.sub]},` +
    `"customer_first_name":${FIRST_NAMES_JSON[r.first]},"customer_last_name":${LAST_NAMES_JSON[r.last]},` +
    `"cost":${centsToJson(r.cents)},"start_date":"${startOf(ctx, r)}","end_date":"${endOf(ctx, r)}"}`
  );
}

export function recordFields(ctx: DayContext, r: DrawnRecord): RecordFields {
  return [
    ['Id', String(r.id)],
    ['active', String(r.active)],
    ['subscription', SUBSCRIPTIONS_JSON[r.sub] as string],
    ['customer_first_name', FIRST_NAMES_JSON[r.first] as string],
    ['customer_last_name', LAST_NAMES_JSON[r.last] as string],
    ['cost', centsToJson(r.cents)],
    ['start_date', `"${startOf(ctx, r)}"`],
    ['end_date', `"${endOf(ctx, r)}"`],
  ];
}

/** Same text as recordLine for the same fields; used once fields were nulled or broken. */
export function joinFields(fields: RecordFields): string {
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/**
 * A still-valid record with one or two non-key fields unknown, written either as an
 * explicit null or as a missing key (the contract treats both alike; readers must too).
 */
export function withNullFields(rng: Rng, ctx: DayContext, r: DrawnRecord): string {
  const fields = recordFields(ctx, r);
  const count = nextFloat(rng) < 0.8 ? 1 : 2;
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(nextInt(rng, 1, fields.length - 1));
  const kept: RecordFields = [];
  fields.forEach((f, i) => {
    if (!chosen.has(i)) kept.push(f);
    else if (nextFloat(rng) < 0.5) kept.push([f[0], 'null']);
  });
  return joinFields(kept);
}
