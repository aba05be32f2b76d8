// Journal generator options: defaults and validation in one place, so the CLI and the
// tests hand over partial options and always get the same resolved values (the output
// bytes depend on every resolved value).

import { requireIsoDay } from './dates.js';

export interface JournalOptions {
  seed: number;
  /** First journal day, YYYY-MM-DD. */
  start: string;
  days: number;
  /** Lines per day, dirty and duplicate lines included. */
  recordsPerDay: number;
  idMin: number;
  idMax: number;
  /** Share of lines that violate the record contract (0..1). */
  dirtyRate: number;
  /** A day's lines are split, in order, across this many files (capped at recordsPerDay). */
  filesPerDay: number;
  /** Share of lines repeating an Id already seen that day (identical or not). */
  duplicateRate: number;
  /** Share of clean records whose subscription is not in the catalog. */
  unknownSubscriptionRate: number;
  /** Share of clean records with one or two non-key fields null or missing. */
  nullRate: number;
  /** Ids idMin, idMin+1, … in order instead of random ones (a benchmark's initial load of distinct keys). */
  sequentialIds: boolean;
}

export type JournalOptionsInput = Pick<JournalOptions, 'seed' | 'start' | 'days'> & Partial<JournalOptions>;

export const JOURNAL_DEFAULTS: Readonly<Omit<JournalOptions, 'seed' | 'start' | 'days'>> = {
  recordsPerDay: 100,
  idMin: 1,
  idMax: 250,
  dirtyRate: 0,
  filesPerDay: 1,
  duplicateRate: 0.03,
  unknownSubscriptionRate: 0,
  nullRate: 0.02,
  sequentialIds: false,
};

function requireInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
}

function requireRate(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${v}`);
}

/** Fills defaults and rejects values the generator cannot honour. */
export function resolveJournalOptions(input: JournalOptionsInput): JournalOptions {
  const o: JournalOptions = { ...JOURNAL_DEFAULTS, ...withoutUndefined(input) } as JournalOptions;
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`seed must be a safe integer, got ${o.seed}`);
  requireIsoDay(o.start, 'start');
  requireInt('days', o.days, 1);
  requireInt('recordsPerDay', o.recordsPerDay, 1);
  requireInt('filesPerDay', o.filesPerDay, 1);
  if (!Number.isSafeInteger(o.idMin) || !Number.isSafeInteger(o.idMax) || o.idMin > o.idMax) {
    throw new RangeError(`idMin..idMax must be safe integers with idMin <= idMax, got ${o.idMin}..${o.idMax}`);
  }
  requireRate('dirtyRate', o.dirtyRate);
  requireRate('duplicateRate', o.duplicateRate);
  requireRate('unknownSubscriptionRate', o.unknownSubscriptionRate);
  requireRate('nullRate', o.nullRate);
  return o;
}

// A CLI passes `{ idMax: undefined }` for an absent flag; that must mean "default", not "unset".
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
